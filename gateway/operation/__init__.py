"""What the gateway adds around every operation: caches, query limits, scope guards, error codes."""
