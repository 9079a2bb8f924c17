import { useMutation, useQuery } from "@apollo/client";
import { useEffect, useState } from "react";

import { ErrorView } from "./ErrorView";
import { ACCEPT_OFFER, PERSONALIZED_OFFER, RECORD_OFFER_EVENT } from "./operations";
import type { AcceptOfferData, PersonalizedOfferData } from "./types";

// Decisions already reported as VIEWED by this page: once per decision, however often React
// renders or runs effects (StrictMode runs them twice in development).
const viewed = new Set<string>();

/** The customer's best offer now, with accept (one button per option) and dismiss. */
export function Offer({ customerId }: { customerId: string }) {
  const { data, error } = useQuery<PersonalizedOfferData>(PERSONALIZED_OFFER, {
    variables: { customerId, locale: navigator.language },
  });
  const [recordEvent, eventResult] = useMutation(RECORD_OFFER_EVENT, { onError: () => {} });
  const [accept, accepted] = useMutation<AcceptOfferData>(ACCEPT_OFFER, { onError: () => {} });
  const [dismissed, setDismissed] = useState(false);
  const offer = data?.personalizedOffers.offers[0];

  useEffect(() => {
    if (offer && !viewed.has(offer.id)) {
      viewed.add(offer.id);
      void recordEvent({ variables: { personalizedOfferId: offer.id, type: "VIEWED" } });
    }
  }, [offer, recordEvent]);

  if (error) return <ErrorView error={error} />;
  if (!data) return <p className="placeholder">Looking for an offer…</p>;
  if (!offer) return <p data-testid="no-offer">No offer for you right now.</p>;
  if (dismissed) return <p data-testid="offer-dismissed">Offer dismissed.</p>;

  const fulfillment = accepted.data?.createOfferFulfillment;
  return (
    <section className="offer" data-testid="offer">
      <h2>{offer.content.title}</h2>
      {/* HTML your own team wrote in the catalog; sanitize it if anyone else can write it. */}
      <div dangerouslySetInnerHTML={{ __html: offer.content.description }} />
      {fulfillment ? (
        <p data-testid="offer-accepted">
          Accepted: {fulfillment.status.toLowerCase().replace("_", " ")}
          {fulfillment.redirectUrl && <a href={fulfillment.redirectUrl}> continue</a>}
        </p>
      ) : (
        <div className="actions">
          {offer.options.map((option) => (
            <button
              key={option.id}
              disabled={accepted.loading}
              onClick={() =>
                void accept({ variables: { personalizedOfferId: offer.id, optionId: option.id } })
              }
            >
              {option.label}
            </button>
          ))}
          <button
            className="secondary"
            onClick={() =>
              void recordEvent({
                variables: { personalizedOfferId: offer.id, type: "DISMISSED" },
              }).then((result) => setDismissed(!result.errors))
            }
          >
            No thanks
          </button>
        </div>
      )}
      {eventResult.error && <ErrorView error={eventResult.error} />}
      {accepted.error && <ErrorView error={accepted.error} />}
    </section>
  );
}
