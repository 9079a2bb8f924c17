"""Live updates: GraphQL subscriptions re-run when the database says their answer may have changed.

``hub`` keeps the subscribers and fans the change listener's notifications out to those they
concern; ``rounds`` is the loop a subscription resolver runs (a fresh ``context`` per round, a
wait for the next wake-up between rounds); ``waves`` lets the rounds one notification woke share
one context (their loads batch); ``alarms`` keeps one timer for every time-based wake-up;
``executor`` runs each event of a subscription with a memo of its own;
``answers`` decides whether a new answer differs from the last one sent; ``limits`` bounds
subscriptions per key and per worker; ``lifecycle`` ends a revoked key's subscriptions and
completes them all at SIGTERM; ``metrics`` counts them. Their transports (graphql-transport-ws,
GraphQL over SSE) are HTTP's: ``gateway.http.subscriptions``.
"""
