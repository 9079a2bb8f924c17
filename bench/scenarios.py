"""The GraphQL operations the benchmark sends, and the request bodies wrk cycles over.

Bodies are JSON strings, one per customer (or per group of 100 customers for ``_entities``),
spread over the whole dataset so the database serves many different rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from bench.shape import Shape, customer_id

HELLO = "{ __typename }"

PERSONALIZED = """
query Offers($input: PersonalizedOffersInput!) {
  personalizedOffers(input: $input) {
    offers {
      id
      offerId
      content { title description locale }
      options { id label processingType processingLayout redirectUrl }
      play { id name objective }
    }
    brand { id name }
    expiresAt
  }
}
"""

_RESTRICTION_FIELDS = "level kpi maxLimit remainingRedemption productSku categoryId"

CART = f"""
query Cart($customerId: ID!) {{
  cartPromotions(customerId: $customerId, includeSupplementary: true) {{
    promotionId
    promotionName
    customerId
    validTill
    earnedType
    earnedStatus
    promotionStatus
    milestoneId
    targetGroupId
    applicationMode
    customFieldValues
    eventTime
    restrictions {{
      cart {{ {_RESTRICTION_FIELDS} }}
      customer {{ {_RESTRICTION_FIELDS} }}
      promotion {{ {_RESTRICTION_FIELDS} }}
      product {{ {_RESTRICTION_FIELDS} }}
      category {{ {_RESTRICTION_FIELDS} }}
    }}
    supplementaryCriteria {{ loyaltyProgramId programType partnerProgramId }}
  }}
}}
"""

ENTITIES = f"""
query Entities($representations: [_Any!]!) {{
  _entities(representations: $representations) {{
    ... on Customer {{
      cartPromotions {{
        promotionId
        promotionStatus
        restrictions {{
          cart {{ {_RESTRICTION_FIELDS} }}
          customer {{ {_RESTRICTION_FIELDS} }}
          promotion {{ {_RESTRICTION_FIELDS} }}
          product {{ {_RESTRICTION_FIELDS} }}
          category {{ {_RESTRICTION_FIELDS} }}
        }}
      }}
    }}
  }}
}}
"""

POSTGRAPHILE_CART = (Path(__file__).parent / "postgraphile" / "cart.graphql").read_text()

USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
)
LOCALES = ("en", "de-DE", "fr")
ENTITY_BATCH = 100


def body(query: str, variables: dict[str, object] | None = None) -> str:
    """A GraphQL POST body."""
    payload: dict[str, object] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return orjson.dumps(payload).decode()


def sample_customers(shape: Shape, count: int) -> Iterator[int]:
    """``count`` customer numbers spread evenly over the dataset (all of them if fewer)."""
    count = min(count, shape.customers)
    step = shape.customers / count
    return (int(i * step) for i in range(count))


def personalized_variables(number: int) -> dict[str, object]:
    """personalizedOffers input for customer ``number``: user agent, locale, custom attributes."""
    return {
        "input": {
            "customerId": customer_id(number),
            "subscriptionId": f"{customer_id(number)}-a",
            "externalUserId": "u1",
            "custom": {"companySize": (number * 37) % 1000, "source": "bench"},
            "requestContext": {
                "userAgent": USER_AGENTS[number % len(USER_AGENTS)],
                "locale": LOCALES[number % len(LOCALES)],
                "url": "https://bench.example/account",
            },
        }
    }


# Cold runs must not meet a customer twice, or the response cache answers: more customers than
# ~3,000 rps x 13 s, and the warm-up asks other customers than the measured run.
COLD_CUSTOMERS = 50_000


def cold_customers(shape: Shape, count: int = COLD_CUSTOMERS) -> tuple[list[int], list[int]]:
    """Customer numbers for the cold runs: (warm-up, measured), disjoint (1 in 5 warms up)."""
    numbers = list(sample_customers(shape, count))
    return numbers[::5], [n for i, n in enumerate(numbers) if i % 5]


def personalized_bodies(shape: Shape, count: int = 5000) -> list[str]:
    """One personalizedOffers body per sampled customer."""
    return personalized_bodies_for(sample_customers(shape, count))


def personalized_bodies_for(numbers: Iterable[int]) -> list[str]:
    """One personalizedOffers body per customer number."""
    return [body(PERSONALIZED, personalized_variables(n)) for n in numbers]


def cart_bodies(shape: Shape, count: int = 5000, query: str = CART) -> list[str]:
    """One cart body per sampled customer (``query`` takes ``$customerId``)."""
    return cart_bodies_for(sample_customers(shape, count), query)


def cart_bodies_for(numbers: Iterable[int], query: str = CART) -> list[str]:
    """One cart body per customer number (``query`` takes ``$customerId``)."""
    return [body(query, {"customerId": customer_id(n)}) for n in numbers]


def entity_key(sdl: str) -> str | None:
    """The key field of the ``Customer`` entity in ``sdl``, or None when there is no entity.

    >>> entity_key('type Customer @key(fields: "id") {')
    'id'
    """
    match = re.search(r'type Customer\b[^{]*@key\(fields: "(\w+)"', sdl)
    return match.group(1) if match else None


def entities_bodies(shape: Shape, key: str, count: int = 500) -> list[str]:
    """``_entities`` bodies of ``ENTITY_BATCH`` customers each (consecutive groups)."""
    groups = max(1, min(count, shape.customers // ENTITY_BATCH))
    bodies = []
    for group in range(groups):
        first = (group * ENTITY_BATCH * 7) % max(1, shape.customers - ENTITY_BATCH + 1)
        representations = [
            {"__typename": "Customer", key: customer_id(first + i)}
            for i in range(min(ENTITY_BATCH, shape.customers))
        ]
        bodies.append(body(ENTITIES, {"representations": representations}))
    return bodies
