"""Subscriptions over HTTP and WebSocket, on the hub of ``gateway.live``.

``view`` mixes WebSocket authentication, per-connection contexts and SSE into the GraphQL view;
``ws`` is graphql-transport-ws (text frames, a closed operation's completion); ``sse`` is GraphQL
over SSE (graphql-sse's distinct connections mode), for clients asking for it first; ``stream``
sends a streamed subscription's results only when they changed; ``admission`` keeps streams out
of the in-flight bound.
"""
