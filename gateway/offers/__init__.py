"""Personalized offers outside the schema: decision tokens, the catalog, request assembly.

- ``service``: ``personalizedOffers``, from a customer and a request to at most one offer;
- ``request``, ``subscriptions``, ``subject``, ``locale``: the request validated, the
  subscription it is about, the evaluator's ``Subject``, the content's locale;
- ``catalog``: a brand's compiled catalog; ``feedback``: offer events and fulfillments;
- ``tokens``: the signed decision tokens (personalized-offer ids);
- ``catalog_spec``, ``fields``, ``config_file``: catalog files read, validated and loaded
  (``gateway load``).
"""
