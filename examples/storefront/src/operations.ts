import { gql } from "@apollo/client";

/** The limits a shopper sees, at every level (each limit has its own `id`). */
const LIMIT_FIELDS = gql`
  fragment LimitFields on Restriction {
    id
    level
    kpi
    maxLimit
    remainingRedemption
    productSku
    categoryId
  }
`;

const RESTRICTION_FIELDS = gql`
  fragment RestrictionFields on PromotionRestrictions {
    id
    cart { ...LimitFields }
    customer { ...LimitFields }
    promotion { ...LimitFields }
    product { ...LimitFields }
    category { ...LimitFields }
  }
  ${LIMIT_FIELDS}
`;

/** The cart promotions now; their restrictions (slow, lazy) in a later part of the answer. */
export const CART_PROMOTIONS = gql`
  query CartPromotions($customerId: ID!) {
    cartPromotions(customerId: $customerId) {
      id
      promotionId
      promotionName
      promotionStatus
      earnedStatus
      validTill
      ... @defer {
        restrictions { ...RestrictionFields }
      }
    }
  }
  ${RESTRICTION_FIELDS}
`;

/**
 * The same listing, kept current: the gateway sends it now, then again whenever a limit or
 * counter it shows changes (another tab, a POS, a shared promotion-level limit). No `@defer`
 * here: each message is the whole answer.
 */
export const CART_PROMOTIONS_CHANGED = gql`
  subscription CartPromotionsChanged($customerId: ID!) {
    cartPromotionsChanged(customerId: $customerId) {
      id
      promotionId
      promotionName
      promotionStatus
      earnedStatus
      validTill
      restrictions { ...RestrictionFields }
    }
  }
  ${RESTRICTION_FIELDS}
`;

/** Redeem, and get back the changed promotion: the cache updates every listing by itself. */
export const REDEEM = gql`
  mutation Redeem($input: RedeemCartPromotionInput!) {
    redeemCartPromotion(input: $input) {
      __typename
      ... on Redemption {
        redemptionId
        cartPromotion {
          id
          restrictions { ...RestrictionFields }
        }
      }
      ... on RedemptionRejected {
        code
        message
        cartPromotion {
          id
          restrictions { ...RestrictionFields }
        }
      }
    }
  }
  ${RESTRICTION_FIELDS}
`;

export const PERSONALIZED_OFFER = gql`
  query PersonalizedOffer($customerId: ID!, $locale: String) {
    personalizedOffers(input: { customerId: $customerId, requestContext: { locale: $locale } }) {
      offers {
        id
        offerId
        content { title description }
        options { id label processingType redirectUrl }
      }
      expiresAt
    }
  }
`;

export const RECORD_OFFER_EVENT = gql`
  mutation RecordOfferEvent($personalizedOfferId: ID!, $type: OfferEventType!) {
    recordOfferEvent(personalizedOfferId: $personalizedOfferId, type: $type) {
      id
      type
      occurredAt
    }
  }
`;

export const ACCEPT_OFFER = gql`
  mutation AcceptOffer($personalizedOfferId: ID!, $optionId: ID!) {
    createOfferFulfillment(personalizedOfferId: $personalizedOfferId, optionId: $optionId) {
      id
      status
      processingType
      redirectUrl
    }
  }
`;
