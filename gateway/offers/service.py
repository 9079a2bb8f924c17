"""personalizedOffers: from a customer and a request context to at most one offer.

``personalized_offers(ctx, customer_id, request)`` is the one entry point, shared by
``Query.personalizedOffers`` and the federated ``Customer.personalizedOffers``; it reads through the
request's loaders (so concurrent calls batch) and hands plain models to the pure evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.auth.principal import Scope
from gateway.evaluator import DEFAULT_DECISION_TTL, Decision, Play, Verdict, evaluate
from gateway.observability.metrics import EVALUATOR_SECONDS
from gateway.offers.catalog import BrandCatalog, Content, Offer
from gateway.offers.locale import choose_content, normalize_locale
from gateway.offers.ports import OffersRequest
from gateway.offers.request import OfferRequest, validate_customer_id, validate_request
from gateway.offers.subject import build_subject
from gateway.offers.subscriptions import pick_subscription
from gateway.offers.tokens import DecisionClaims, sign, signing_keys


@dataclass(frozen=True)
class ServedOffer:
    """The offer shown, its content for the request's locale, the play and the decision token."""

    id: str
    offer: Offer
    content: Content
    play: Play


@dataclass(frozen=True)
class OffersResult:
    """The answer: zero or one offer, the brand, until when it holds, and (explain) verdicts."""

    offers: tuple[ServedOffer, ...]
    brand_id: str | None
    brand_name: str | None
    expires_at: datetime
    verdicts: tuple[Verdict, ...] | None


async def personalized_offers(
    ctx: OffersRequest, customer_id: str, request: OfferRequest, *, prefix: str = "input"
) -> OffersResult:
    """The best offer for ``customer_id`` in the context of ``request`` (REFERENCE A, C.5 to C.8).

    Example, in a resolver::

        result = await personalized_offers(ctx, "demo-b2c", OfferRequest())
        [o.offer.id for o in result.offers]
        # -> ['acme-annual-upgrade']
    """
    validate_customer_id(customer_id, f"{prefix}.customerId")
    validate_request(request, prefix)
    principal = ctx.principal
    principal.require(Scope.READ, "personalizedOffers")
    if request.explain:
        principal.require(Scope.ADMIN, f"{prefix}.explain")
    ctx.cache.read_customer(customer_id)
    loaders = ctx.loaders.offers
    snapshot = await loaders.customer_snapshot.load((customer_id, request.external_user_id or ""))
    if snapshot is None:
        return _nothing(ctx, None, explain=request.explain)
    # A key sees only its brands: other brands' subscriptions do not exist for it.
    subscriptions = tuple(s for s in snapshot.subscriptions if principal.may_see_brand(s.brand_id))
    brand_ids = tuple(b for b in snapshot.brand_ids if principal.may_see_brand(b))
    subscription, brand_id = pick_subscription(
        subscriptions,
        brand_ids,
        request.subscription_id,
        field=f"{prefix}.subscriptionId",
    )
    if brand_id is None:
        return _nothing(ctx, None, explain=request.explain)
    catalog_key = (snapshot.catalog_version, brand_id)
    compiled, catalog = loaders.compiled_catalog(catalog_key)
    if not compiled:
        catalog = await loaders.brand_catalog.load(catalog_key)
    if catalog is None:
        return _nothing(ctx, None, explain=request.explain)
    subject = build_subject(snapshot, subscription, request, catalog.mappings)
    with EVALUATOR_SECONDS.time():
        decision = evaluate(
            catalog.index, subject, ctx.now, brand_id=brand_id, explain=request.explain
        )
    subscription_id = subscription.id if subscription else None
    return _result(ctx, catalog, decision, customer_id, subscription_id, request)


def _nothing(ctx: OffersRequest, catalog: BrandCatalog | None, *, explain: bool) -> OffersResult:
    expires_at = ctx.now + DEFAULT_DECISION_TTL
    ctx.cache.valid_until(expires_at)
    return OffersResult(
        offers=(),
        brand_id=catalog.brand_id if catalog else None,
        brand_name=catalog.brand_name if catalog else None,
        expires_at=expires_at,
        verdicts=() if explain else None,
    )


def _result(
    ctx: OffersRequest,
    catalog: BrandCatalog,
    decision: Decision,
    customer_id: str,
    subscription_id: str | None,
    request: OfferRequest,
) -> OffersResult:
    # The decision holds until expiresAt (C.7): the cached answer no longer than that.
    ctx.cache.valid_until(decision.expires_at)
    offers: tuple[ServedOffer, ...] = ()
    play = decision.offer_play
    offer = catalog.offers.get(play.offer_id) if play else None
    if play is not None and offer is not None:
        claims = DecisionClaims(
            play_id=play.id,
            offer_id=offer.id,
            customer_id=customer_id,
            external_user_id=request.external_user_id,
            subscription_id=subscription_id,
            issued_at=ctx.now,
            expires_at=decision.expires_at,
        )
        content = choose_content(
            offer.contents, normalize_locale(request.context.locale), offer.default_locale
        )
        token = sign(claims, signing_keys(ctx.settings))
        offers = (ServedOffer(token, offer, content, play),)
    return OffersResult(
        offers=offers,
        brand_id=catalog.brand_id,
        brand_name=catalog.brand_name,
        expires_at=decision.expires_at,
        verdicts=decision.verdicts if request.explain else None,
    )
