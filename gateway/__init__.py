"""Offers gateway: personalized offers and cart promotions over GraphQL."""
