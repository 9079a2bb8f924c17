// Result types of src/operations.ts, written by hand to keep this example small. A real project
// generates them from schema.graphql (docs/frontends.md shows the GraphQL Code Generator set-up).

export type Limit = {
  id: string;
  level: string;
  kpi: string;
  maxLimit: string;
  remainingRedemption: string;
  productSku: string | null;
  categoryId: string | null;
};

export type Restrictions = {
  id: string;
  cart: Limit[];
  customer: Limit[];
  promotion: Limit[];
  product: Limit[];
  category: Limit[];
};

export type CartPromotion = {
  id: string;
  promotionId: string;
  promotionName: string;
  promotionStatus: string;
  earnedStatus: string;
  validTill: string | null;
  /** Deferred: `undefined` until its part of the answer arrives; `null` means "no limit". */
  restrictions?: Restrictions | null;
};

export type CartPromotionsData = { cartPromotions: CartPromotion[] };

export type CartPromotionsChangedData = { cartPromotionsChanged: CartPromotion[] };

export type RedeemData = {
  redeemCartPromotion:
    | { __typename: "Redemption"; redemptionId: string }
    | { __typename: "RedemptionRejected"; code: string; message: string };
};

export type OfferOption = {
  id: string;
  label: string;
  processingType: string;
  redirectUrl: string | null;
};

export type PersonalizedOffer = {
  id: string;
  offerId: string;
  content: { title: string; description: string };
  options: OfferOption[];
};

export type PersonalizedOfferData = {
  personalizedOffers: { offers: PersonalizedOffer[]; expiresAt: string };
};

export type AcceptOfferData = {
  createOfferFulfillment: { id: string; status: string; redirectUrl: string | null };
};
