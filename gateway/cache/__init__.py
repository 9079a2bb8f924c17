"""A response cache for read operations, invalidated by PostgreSQL LISTEN/NOTIFY.

- ``generations``: counters bumped when the data behind a customer, a promotion or anything
  changes; a stored answer is valid only while the counters it was read under are unchanged.
- ``tags``: what one request read (customers, promotions) and until when its answer holds.
- ``store``: the bounded LRU of response bodies.
- ``response_cache``: keys, lookups and stores, tying the three together.
- ``listener``: one LISTEN connection per worker; the cache is off while it is down. It also
  feeds replica freshness (``gateway.db.freshness``).
"""
