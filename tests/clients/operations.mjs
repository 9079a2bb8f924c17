// The GraphQL documents both clients send, as a storefront would write them.

export const CUSTOMER = "demo-loyal";
export const PROMOTION = "acme-welcome10"; // CUSTOMER level: 3 redemptions, 1 used in the demo

/** One listing, two queries selecting different fields of the same promotions. */
export const LISTING_NAMES = `
  query ListingNames($customerId: ID!) {
    cartPromotions(customerId: $customerId) { id promotionId promotionName }
  }`;
export const LISTING_STATUSES = `
  query ListingStatuses($customerId: ID!) {
    cartPromotions(customerId: $customerId) { id promotionId promotionStatus earnedStatus validTill }
  }`;

const LIMIT = "id level kpi maxLimit remainingRedemption productSku categoryId";
const ALL_LEVELS = `
  id
  cart { ${LIMIT} }
  customer { ${LIMIT} }
  promotion { ${LIMIT} }
  product { ${LIMIT} }
  category { ${LIMIT} }`;

/** What is left of each promotion for the customer, in either listing variant. */
export const LISTING_LIMITS = `
  query ListingLimits($customerId: ID!, $includeSupplementary: Boolean!) {
    cartPromotions(customerId: $customerId, includeSupplementary: $includeSupplementary) {
      id promotionId promotionName
      restrictions { id customer { ${LIMIT} } }
    }
  }`;

/** The listing first, its (slow, lazy) restrictions later. */
export const LISTING_DEFERRED = `
  query ListingDeferred($customerId: ID!) {
    cartPromotions(customerId: $customerId) {
      id promotionId promotionName
      ... @defer(label: "limits") { restrictions { ${ALL_LEVELS} } }
    }
  }`;
export const LISTING_WHOLE = `
  query ListingWhole($customerId: ID!) {
    cartPromotions(customerId: $customerId) {
      id promotionId promotionName
      restrictions { ${ALL_LEVELS} }
    }
  }`;

/** A redemption that asks for the promotion it changed: no cache update code needed. */
export const REDEEM = `
  mutation Redeem($input: RedeemCartPromotionInput!) {
    redeemCartPromotion(input: $input) {
      __typename
      ... on Redemption {
        redemptionId
        cartPromotion { id promotionId restrictions { ${ALL_LEVELS} } }
      }
      ... on RedemptionRejected {
        code message
        cartPromotion { id promotionId restrictions { ${ALL_LEVELS} } }
      }
    }
  }`;

/** A redemption attempt that reads only its outcome. */
export const REDEEM_OUTCOME = `
  mutation RedeemOutcome($input: RedeemCartPromotionInput!) {
    redeemCartPromotion(input: $input) {
      __typename
      ... on Redemption { redemptionId }
      ... on RedemptionRejected { code message }
    }
  }`;

export const NAMES_ONLY = `query NamesOnly($customerId: ID!) { cartPromotions(customerId: $customerId) { id promotionName } }`;
export const UNKNOWN_FIELD = `query UnknownField { cartPromotions(customerId: "demo-loyal") { id discountPercent } }`;

/** Variables of one redemption attempt of ``promotionId`` by the demo customer. */
export function redemption(promotionId, key, amount = "5.00") {
  return {
    input: {
      customerId: CUSTOMER,
      promotionId,
      transactionId: `t-${key}`,
      cartId: `c-${key}`,
      amount,
      idempotencyKey: key,
    },
  };
}

/** The CUSTOMER-level REDEMPTION limit's remaining count of ``promotionId`` in a listing. */
export function customerRemaining(listing, promotionId) {
  const promotion = listing?.cartPromotions?.find((p) => p.promotionId === promotionId);
  const limit = promotion?.restrictions?.customer?.find((r) => r.kpi === "REDEMPTION");
  return limit ? limit.remainingRedemption : null;
}
