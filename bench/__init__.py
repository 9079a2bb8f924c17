"""``gateway bench``: a realistic dataset, the gateway under wrk, its peers, one report.

Not part of the ``gateway`` package, and not in the wheel: it runs from a source checkout
(``uv run gateway bench``), where ``gateway.cli`` finds this folder beside ``gateway/``.

The command and the run:

- ``cli``: the options, checked, then the run (``--soak`` and ``--first-part-only`` apart);
- ``run``: every phase in order, each server stopped by PID when its phase ends;
- ``report``: the table for people, the targets, the final JSON line.

The dataset:

- ``shape``: its size from one ``--scale`` factor;
- ``dataset``: builds it with COPY (or reuses it when its marker says it has the same shape);
- ``customer_rows``, ``promotion_rows``: the customer and cart-promotion rows, seeded;
- ``offer_catalog``: the offers catalog, written through the offers loader.

The load and what is measured:

- ``scenarios``: the operations and the request bodies wrk cycles over;
- ``wrk``: the Lua script and wrk's output parsed; ``pacing``: wrk held to a fixed rate;
- ``servers``: the processes under test, started on free ports and stopped by PID;
- ``cpu``: a process tree's CPU time from ``/proc``, for CPU per answered request;
- ``round_trips``: SQL round trips per request; ``cache_counts``: the response cache's hit rate;
- ``overload``: latency of admitted and refused requests apart under overload;
- ``storm``: a retry storm on its own (``python -m bench.storm``): goodput against the same
  rounds' capacity, optionally behind docs/scaling.md's HAProxy;
- ``first_part``: the deferred cart's first part over the listing alone;
- ``replica_share``: the cold reads a streaming replica 2 s behind answers (the replica from
  ``tests.streaming_replica``);
- ``soak``: the gateway held at a fraction of its maximum for minutes;
- ``live``: live updates on one worker (subscriptions open, redemptions reaching their
  subscriber, idle memory, a catalog change's fan-out), over ``ws_session``'s
  graphql-transport-ws client (``--live-only``: this phase alone);
- ``coercion``: per-call time of coercing the operations' variables, graphql-core against the
  compiled coercer (on its own: ``python -m bench.coercion``).

The peers:

- ``naive``: the same cart resolved the N+1 way;
- ``postgraphile/``: PostGraphile v4 (a pinned npm project), run by ``run``;
- ``yoga/`` and ``yoga_peer``: the GraphQL Yoga server a team would write instead;
- ``floor``: the cart's no-GraphQL floor (the gateway's fetch functions, the answer by hand);
- ``bare``: a bare Starlette JSON endpoint, the floor ``{ __typename }`` is read against;
- ``starlette_peers``: both served on uvicorn as the gateway is;
- ``paired``: servers in alternating rounds, requests/s and CPU per answer, ratios per round;
- ``paired_phases``: the cart against the floor and both Node peers, then ``{ __typename }``
  and the hot sets against bare Starlette (the ratios the targets read).
"""
