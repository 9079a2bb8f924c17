"""HTTP around ``/graphql``: one ASGI piece per concern, the thin view, and the HTTP conventions.

``endpoint`` makes each request's state (``request_state``) and runs the pieces in order:

- ``ide_page``: GraphiQL's page for a browser GET; ``response_headers``: media type and
  Cache-Control as an answer starts; ``failures``: HTTP failures as coded GraphQL errors;
- ``authentication``, ``rate_limit``, ``deadline``, ``response_cache``, ``replica_routing``;
- ``view``: strawberry's view running the operations; ``delivery``: ``@defer`` / ``@stream``
  answers streamed or merged, in the format of ``incremental``; ``answers``: a whole answer sent
  as its two ASGI messages, a streamed one with its first part first.

App-wide: ``graphql_route`` (``/graphql`` past starlette's router), ``admission`` (the
in-flight bound, its queue and paced refusals; ``adaptive_bound`` lowers it while the event loop
runs late), ``body_limit``, ``middleware`` (CORS, and gzip through ``compression``), ``drain``
(SIGTERM behind a balancer), ``health`` (liveness, readiness, metrics). Conventions:
``persisted_queries``, ``caching`` (Cache-Control), ``media_types``, ``errors`` and ``refusals``
(prebuilt 413, 429, 503). ``subscriptions``: the transports of subscriptions
(graphql-transport-ws, GraphQL over SSE).
"""
