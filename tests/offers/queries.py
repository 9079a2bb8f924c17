"""GraphQL operations shared by the offers tests."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

OFFERS = """
query Offers($input: PersonalizedOffersInput!) {
  personalizedOffers(input: $input) {
    offers {
      id offerId
      content { title description locale }
      options { id label processingType processingLayout redirectUrl }
      play { id name objective }
    }
    brand { id name }
    expiresAt
    explanation { playId outcome detail rulePath }
  }
}
"""

RECORD_EVENT = """
mutation Event($id: ID!, $type: OfferEventType!) {
  recordOfferEvent(personalizedOfferId: $id, type: $type) { id type occurredAt }
}
"""

FULFILLMENT_FIELDS = """
  id offerId optionId playId status processingType redirectUrl
  failureReason { code message } createdAt updatedAt
"""

CREATE_FULFILLMENT = f"""
mutation Create($id: ID!, $option: ID!) {{
  createOfferFulfillment(personalizedOfferId: $id, optionId: $option) {{ {FULFILLMENT_FIELDS} }}
}}
"""

UPDATE_FULFILLMENT = f"""
mutation Update($id: ID!, $status: OfferFulfillmentOutcome!,
                $reason: OfferFulfillmentFailureInput) {{
  updateOfferFulfillment(id: $id, status: $status, failureReason: $reason) {{
    {FULFILLMENT_FIELDS}
  }}
}}
"""

GET_FULFILLMENT = f"""
query Get($id: ID!) {{ offerFulfillment(id: $id) {{ {FULFILLMENT_FIELDS} }} }}
"""

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
