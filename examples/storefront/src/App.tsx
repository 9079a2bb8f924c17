import { CartPromotions } from "./CartPromotions";
import { CUSTOMER_ID } from "./config";
import { Offer } from "./Offer";

export function App() {
  return (
    <main>
      <header>
        <h1>Storefront</h1>
        <p>
          Signed in as <code>{CUSTOMER_ID}</code>
        </p>
      </header>
      <Offer customerId={CUSTOMER_ID} />
      <h2>Your promotions</h2>
      <CartPromotions customerId={CUSTOMER_ID} />
    </main>
  );
}
