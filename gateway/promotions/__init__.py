"""Cart promotions: who sees which promotion, their limits, and redeeming them.

The data flow: ``gateway.schema.promotions`` → ``gateway.loaders.promotions`` → the SQL here.
``status`` and ``decision`` are pure (no database); ``redeem`` and ``issuance`` own the writes.
"""
