"""Personalized offers outside the schema: decision tokens, the catalog, request assembly.

- ``service``: ``personalizedOffers``, from a customer and a request to at most one offer;
- ``request``, ``subscriptions``, ``subject``, ``locale``: the request validated, the
  subscription it is about, the evaluator's ``Subject``, the content's locale;
- ``catalog``: a brand's compiled catalog; ``feedback``: offer events and fulfillments;
- ``tokens``: the signed decision tokens (personalized-offer ids);
- ``customer``: what the database knows about a customer (``CustomerSnapshot``);
- ``catalog_spec``: the offers sections of catalog files, read and validated (loaded by
  ``gateway.catalog.load``);
- ``ports``: what the domain needs from a request (a Protocol the context fits): it imports
  neither the loaders nor the context.
"""
