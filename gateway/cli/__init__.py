"""The ``gateway`` command: the frame beside ``gateway.app``, and the helpers only it uses.

- ``commands``: the parser and every subcommand; ``main`` is the console script;
- ``embedded``, ``embedded_watchdog``: the PostgreSQL ``serve`` starts without DATABASE_URL,
  and the watchdog that stops the gateway when it goes away;
- ``connect``: a command's database connection, refused in one line;
- ``listener``: ``serve``'s port, bound first and handed to uvicorn, the URL printed last;
- ``demo``: the demo data (``gateway demo``, ``serve --demo``).

Helpers the layers below also use live with them: progress in ``gateway.observability``, npm
installs in ``gateway.ide``, ``CommandError`` in ``gateway.errors``.
"""

from gateway.cli.commands import main

__all__ = ["main"]
