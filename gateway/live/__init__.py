"""Live updates: GraphQL subscriptions re-run when the database says their answer may have changed.

``hub`` keeps the subscribers and fans the change listener's notifications out to those they
concern; ``rounds`` is the loop a subscription resolver runs (a fresh context per round, a wait
for the next wake-up between rounds); ``answers`` decides whether a new answer differs from the
last one sent; ``view`` and ``ws`` carry subscriptions over graphql-transport-ws and GraphQL over
SSE, with their own authentication, limits, pings, key revocation and SIGTERM handling.
"""
