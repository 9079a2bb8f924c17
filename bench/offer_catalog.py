"""The benchmark's offers catalog: offers and plays with varied audience rules, as a catalog file
would declare them, so they are validated and written by the offers loader (``gateway load``).

Rules use the evaluator's rule language over properties the dataset fills: plans, countries,
segments, subscription status and tenure, device, language, end-user roles, stored custom
attributes (``custom.score``, ``custom.interest``) and one mapped from the request
(``custom.company_size`` from ``custom.companySize``).
"""

from __future__ import annotations

import random

from bench.customer_rows import BRANDS, COUNTRIES, INTERESTS, PLANS, ROLES, SEGMENTS
from bench.shape import Shape

LANGUAGES = ("en", "de", "fr", "es")
OFFERS_PER_BRAND = 50


def _cond(prop: str, op: str, value: object) -> dict[str, object]:
    return {"property": prop, "operator": op, "value": value}


def audience(rng: random.Random) -> dict[str, object]:
    """A random audience rule: usually 1 to 4 conditions, sometimes a nested ``any``."""
    conditions: list[dict[str, object]] = []
    if rng.random() < 0.7:
        conditions.append(_cond("subscription.plan", "in", rng.sample(PLANS, rng.randint(2, 6))))
    if rng.random() < 0.3:
        conditions.append(_cond("request.language", "eq", rng.choice(LANGUAGES)))
    if rng.random() < 0.4:
        conditions.append(_cond("customer.country", "in", rng.sample(COUNTRIES, rng.randint(2, 5))))
    if rng.random() < 0.2:
        conditions.append(_cond("device.type", "eq", rng.choice(["desktop", "mobile"])))
    if rng.random() < 0.3:
        conditions.append(_cond("subscription.tenure_days", "gte", rng.randint(0, 500)))
    if rng.random() < 0.2:
        low = rng.randint(0, 80)
        conditions.append(_cond("custom.score", "between", [low, low + 30]))
    if rng.random() < 0.15:
        conditions.append(_cond("custom.company_size", "gte", rng.choice([10, 50, 100, 500])))
    if rng.random() < 0.15:
        conditions.append(_cond("customer.segment", "eq", rng.choice(SEGMENTS)))
    if rng.random() < 0.1:
        conditions.append(_cond("custom.interest", "eq", rng.choice(INTERESTS)))
    if rng.random() < 0.2:
        conditions.append(
            {
                "any": [
                    _cond("history.dismissed_count", "lt", 3),
                    _cond("user.roles", "contains", rng.choice(ROLES)),
                    _cond("subscription.status", "in", ["non_renewing", "paused"]),
                ]
            }
        )
    return {"all": conditions}


def _offer(brand_id: str, number: int) -> dict[str, object]:
    offer_id = f"{brand_id}-offer-{number:03d}"
    return {
        "id": offer_id,
        "brand": brand_id,
        "name": f"Offer {number} of {brand_id}",
        "default_locale": "en",
        "content": {
            "en": {"title": f"Offer {number}", "description": f"<p>Deal {number} for you.</p>"},
            "de": {"title": f"Angebot {number}", "description": f"<p>Angebot {number}.</p>"},
        },
        "options": [
            {
                "id": "accept",
                "label": "Take it",
                "processing_type": "billing_update",
                "processing_layout": "in_app",
            },
            {
                "id": "more",
                "label": "Learn more",
                "processing_type": "url_redirect",
                "redirect_url": f"https://bench.example/offers/{offer_id}",
            },
        ],
    }


def catalog(shape: Shape, seed: int = 17) -> dict[str, object]:
    """The catalog file content (a dict): brands with a mapping, offers, ``shape.plays`` plays.

    Nine plays in ten are ``bench-a``'s; most are active, some paused or drafts.
    """
    rng = random.Random(seed)
    brands = [
        {"id": brand_id, "name": name, "attribute_mappings": {"company_size": "custom.companySize"}}
        for brand_id, name in BRANDS
    ]
    offers = [_offer(b, n) for b, _ in BRANDS for n in range(OFFERS_PER_BRAND)]
    plays = []
    for number in range(shape.plays):
        brand_id = "bench-b" if number % 10 == 9 else "bench-a"
        play: dict[str, object] = {
            "id": f"bench-play-{number:05d}",
            "brand": brand_id,
            "offer": f"{brand_id}-offer-{rng.randrange(OFFERS_PER_BRAND):03d}",
            "name": f"Play {number}",
            "objective": rng.choice(["acquisition", "expansion", "retention"]),
            "status": rng.choice(["active"] * 8 + ["paused", "draft"]),
            "priority": rng.randrange(1000),
            "starts_at": "2025-01-01T00:00:00Z",
            "audience": audience(rng),
            "traffic_percent": rng.choice([100, 100, 100, 50, 20]),
        }
        if rng.random() < 0.2:
            play["holdout_percent"] = 10
        if rng.random() < 0.3:
            play["cooldown"] = "7d"
        if rng.random() < 0.1:
            play["max_accepts_per_customer"] = 1
        plays.append(play)
    return {"brands": brands, "offers": offers, "plays": plays}
