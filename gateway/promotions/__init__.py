"""Cart promotions: who sees which promotion, their limits, and redeeming them.

The data flow: ``gateway.schema.promotions`` → ``gateway.loaders.promotions`` → the SQL here.
``status`` and ``decision`` are pure (no database); ``redeem`` and ``issuance`` own the writes.

- ``model``: the shared enums; ``inputs``: argument checks naming the argument;
- ``listing``, ``restrictions``, ``programs``, ``held``: what customers see, their limits, the
  programs a promotion comes through, a promotion as held after a write;
- ``cart_listing``: one customer's listing, with limits and programs read for the whole list;
- ``shown_limits``: limits as a customer is shown them, the records the API's limit types view;
- ``status``, ``decision``: derived statuses, whether a redemption may go ahead;
- ``redeem``, ``issuance``: redeeming, issuing and earning;
- ``cart_listing``: one customer's listing, through the request's loaders;
- ``catalog_spec``, ``catalog_file``: the promotion sections of catalog files;
- ``ports``: what the domain needs from a request (a Protocol the context fits).
"""
