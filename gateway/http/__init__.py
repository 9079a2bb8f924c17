"""HTTP around ``/graphql``: one ASGI piece per concern, the thin view, and the HTTP conventions.

``endpoint`` makes each request's state (``request_state``) and runs the pieces in order (its
docstring lists them); ``view`` is strawberry's view, running the operations. Besides:
admission, body limit, CORS and gzip (app-wide middleware), persisted queries, Cache-Control,
media types, coded HTTP errors and refusals, draining, and the health routes.
"""
