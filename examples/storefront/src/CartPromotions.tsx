import { useMutation, useQuery, useSubscription } from "@apollo/client";

import { ErrorView } from "./ErrorView";
import { CART_PROMOTIONS, CART_PROMOTIONS_CHANGED, REDEEM } from "./operations";
import type {
  CartPromotion,
  CartPromotionsChangedData,
  CartPromotionsData,
  Limit,
  RedeemData,
  Restrictions,
} from "./types";

/**
 * The customer's cart promotions, kept current. The query renders at once (limits fill in when
 * the deferred part arrives). The subscription's messages carry the same objects with their
 * ids, and Apollo writes them to the normalized cache: a count redeemed in another tab, at a
 * POS or by anyone sharing a promotion-level limit changes here with no code of ours.
 */
export function CartPromotions({ customerId }: { customerId: string }) {
  const { data, error } = useQuery<CartPromotionsData>(CART_PROMOTIONS, {
    variables: { customerId },
  });
  const live = useSubscription<CartPromotionsChangedData>(CART_PROMOTIONS_CHANGED, {
    variables: { customerId },
  });
  if (error) return <ErrorView error={error} />;
  if (!data) return <p className="placeholder">Loading promotions…</p>;
  if (data.cartPromotions.length === 0) return <p>No promotions for you yet.</p>;
  return (
    <>
      {live.error && <ErrorView error={live.error} />}
      <ul className="promotions">
        {data.cartPromotions.map((promotion) => (
          <PromotionRow key={promotion.id} promotion={promotion} customerId={customerId} />
        ))}
      </ul>
    </>
  );
}

function PromotionRow({ promotion, customerId }: { promotion: CartPromotion; customerId: string }) {
  // No `update` and no `refetchQueries`: the answer carries the changed promotion with its id,
  // and the normalized cache re-renders every listing that shows it.
  const [redeem, { data, loading, error }] = useMutation<RedeemData>(REDEEM, {
    onError: () => {},
  });
  const attempt = () => {
    const key = uniqueKey();
    void redeem({
      variables: {
        input: {
          customerId,
          promotionId: promotion.promotionId,
          transactionId: `txn-${key}`,
          cartId: `cart-${key}`,
          amount: "5.00",
          idempotencyKey: key,
        },
      },
    });
  };
  const outcome = data?.redeemCartPromotion;
  return (
    <li data-testid={`promotion-${promotion.promotionId}`}>
      <div className="row">
        <strong>{promotion.promotionName}</strong>
        <span className="status">{promotion.promotionStatus.toLowerCase()}</span>
        <button disabled={loading} onClick={attempt}>
          Redeem
        </button>
      </div>
      <Limits restrictions={promotion.restrictions} />
      {outcome && (
        <p data-testid="redeem-outcome">
          {outcome.__typename === "Redemption" ? "Redeemed." : `Not redeemed: ${outcome.message}`}
        </p>
      )}
      {error && <ErrorView error={error} />}
    </li>
  );
}

function Limits({ restrictions }: { restrictions: Restrictions | null | undefined }) {
  if (restrictions === undefined) {
    return (
      <p className="placeholder" data-testid="limits-pending">
        Checking limits…
      </p>
    );
  }
  if (restrictions === null) return <p className="limits">No limits.</p>;
  const limits: Limit[] = [
    ...restrictions.cart,
    ...restrictions.customer,
    ...restrictions.promotion,
    ...restrictions.product,
    ...restrictions.category,
  ];
  return (
    <ul className="limits">
      {limits.map((limit) => (
        <li key={limit.id} data-testid={`limit-${limit.level}-${limit.kpi}`}>
          {describeLimit(limit)}
        </li>
      ))}
    </ul>
  );
}

const LEVEL_NAMES: Record<string, string> = {
  CART: "per cart",
  CUSTOMER: "for you",
  PROMOTION: "for everyone",
  PRODUCT: "on this product",
  CATEGORY: "in this category",
};

function describeLimit(limit: Limit): string {
  const what = limit.kpi === "DISCOUNT" ? "discount" : limit.kpi.toLowerCase() + "s";
  const where = LEVEL_NAMES[limit.level] ?? limit.level.toLowerCase();
  const scope = limit.productSku ?? limit.categoryId;
  return `${limit.remainingRedemption} of ${limit.maxLimit} ${what} left ${where}${scope ? ` (${scope})` : ""}`;
}

function uniqueKey(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
