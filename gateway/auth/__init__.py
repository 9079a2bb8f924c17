"""API keys, the principal a request acts as, and what it may do."""
