"""API keys, the principal a request acts as, and what it may do.

- ``keys``: ``gw_<id>_<secret>`` keys created, listed, revoked, and verified per request (cached);
- ``authenticate``: the ``Authorization`` header to a ``Principal``, or a coded refusal;
- ``principal``: the ``Principal``, its scopes and brands;
- ``scoping``: the checks resolvers call to keep a key inside its scopes and brands.
"""
