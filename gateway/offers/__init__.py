"""Personalized offers outside the schema: decision tokens, the catalog, request assembly."""
