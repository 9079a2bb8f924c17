"""Personalized offers: ``Query.personalizedOffers``, offer events and fulfillments.

Resolvers are thin: they turn GraphQL input into ``gateway.offers`` requests and records into
GraphQL objects. The decision itself is ``gateway.offers.service.personalized_offers``, shared with
the federated ``Customer.personalizedOffers(context: PersonalizedOfferContextInput)``.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from gateway.errors import bad_input
from gateway.evaluator import Outcome, Verdict
from gateway.offers import feedback
from gateway.offers.request import OfferRequest, RequestContext
from gateway.offers.service import OffersResult, ServedOffer, personalized_offers
from gateway.schema.info import Info
from gateway.schema.node import Node


def _label(member: Enum) -> str:
    """The PostgreSQL enum label behind a GraphQL enum member."""
    return str(member.value)


@strawberry.enum(description="How an offer option is carried out once accepted.")
class OfferProcessingType(Enum):
    BILLING_UPDATE = strawberry.enum_value(
        "billing_update", description="The billing system changes the subscription."
    )
    CHECKOUT = strawberry.enum_value("checkout", description="The customer goes through checkout.")
    URL_REDIRECT = strawberry.enum_value(
        "url_redirect", description="The customer is sent to redirectUrl."
    )
    WEBHOOK = strawberry.enum_value("webhook", description="Your system is notified by webhook.")
    EMAIL = strawberry.enum_value("email", description="Followed up by email.")


@strawberry.enum(description="Where an offer option opens.")
class OfferProcessingLayout(Enum):
    IN_APP = strawberry.enum_value("in_app", description="Inside the current page or app.")
    FULL_PAGE = strawberry.enum_value("full_page", description="On a page of its own.")


@strawberry.enum(description="What a play aims at.")
class PlayObjective(Enum):
    ACQUISITION = strawberry.enum_value("acquisition", description="Win new customers.")
    EXPANSION = strawberry.enum_value("expansion", description="Grow existing customers.")
    RETENTION = strawberry.enum_value("retention", description="Keep customers from leaving.")


@strawberry.enum(description="Offer events a client reports.")
class OfferEventType(Enum):
    VIEWED = strawberry.enum_value("viewed", description="The offer was shown to the user.")
    DISMISSED = strawberry.enum_value(
        "dismissed", description="The user closed the offer (starts the play's cool-down)."
    )


@strawberry.enum(description="Progress of an accepted offer.")
class OfferFulfillmentStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Accepted, not finished yet.")
    COMPLETED = strawberry.enum_value("completed", description="Carried out.")
    FAILED = strawberry.enum_value("failed", description="Not carried out; see failureReason.")


@strawberry.enum(description="Final states an offer fulfillment can be updated to.")
class OfferFulfillmentOutcome(Enum):
    COMPLETED = strawberry.enum_value("completed", description="Carried out.")
    FAILED = strawberry.enum_value("failed", description="Not carried out (give failureReason).")


@strawberry.enum(description="Why an offer fulfillment failed.")
class OfferFulfillmentErrorCode(Enum):
    BILLING_UPDATE_FAILED = strawberry.enum_value(
        "billing_update_failed", description="The billing change was refused."
    )
    CHECKOUT_ABANDONED = strawberry.enum_value(
        "checkout_abandoned", description="The customer left checkout."
    )
    EXTERNAL_FULFILLMENT_FAILED = strawberry.enum_value(
        "external_fulfillment_failed", description="Your system could not carry it out."
    )
    INTERNAL_ERROR = strawberry.enum_value("internal_error", description="An unexpected error.")
    FULFILLMENT_EXPIRED = strawberry.enum_value(
        "fulfillment_expired",
        description="Left IN_PROGRESS for 7 days (set by the gateway, not by clients).",
    )


@strawberry.enum(description="Why a play won or lost (explain).")
class PlayOutcome(Enum):
    WON = strawberry.enum_value(Outcome.WON.value, description="The best eligible play.")
    HELD_OUT = strawberry.enum_value(
        Outcome.HELD_OUT.value,
        description="Won, but this user is in its holdout (control group): no offer shown.",
    )
    OUTRANKED = strawberry.enum_value(
        Outcome.OUTRANKED.value, description="Eligible, but a better-ranked play won."
    )
    INACTIVE = strawberry.enum_value(Outcome.INACTIVE.value, description="Not active.")
    NOT_STARTED = strawberry.enum_value(
        Outcome.NOT_STARTED.value, description="Its schedule has not started."
    )
    ENDED = strawberry.enum_value(Outcome.ENDED.value, description="Its schedule has ended.")
    WRONG_BRAND = strawberry.enum_value(
        Outcome.WRONG_BRAND.value, description="A play of another brand."
    )
    AUDIENCE = strawberry.enum_value(
        Outcome.AUDIENCE.value, description="The audience rule does not match (see rulePath)."
    )
    COOLDOWN = strawberry.enum_value(
        Outcome.COOLDOWN.value, description="Dismissed recently: in its cool-down."
    )
    MAX_ACCEPTS = strawberry.enum_value(
        Outcome.MAX_ACCEPTS.value, description="Accepted as often as a customer may."
    )
    OUTSIDE_SPLIT = strawberry.enum_value(
        Outcome.OUTSIDE_SPLIT.value, description="This user is outside its traffic split."
    )


@strawberry.input(description="Device and browsing context of the request.")
class RequestContextInput:
    user_agent: str | None = strawberry.field(
        default=None, description="The browser's User-Agent: device type, OS and browser."
    )
    locale: str | None = strawberry.field(
        default=None, description="The user's locale (en, de-DE, pt_BR): chooses the content."
    )
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone, e.g. Europe/Berlin."
    )
    url: str | None = strawberry.field(default=None, description="The page being viewed.")
    referrer_url: str | None = strawberry.field(
        default=None, description="The page the user came from."
    )


@strawberry.input(
    description="Who is asking and in which context, for one customer (all but the customer id)."
)
class PersonalizedOfferContextInput:
    subscription_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "The subscription the offer is for. Required when the customer has subscriptions "
            "in more than one brand; otherwise the most relevant one is used (active first)."
        ),
    )
    external_user_id: str | None = strawberry.field(
        default=None, description="The end user's id in your system (B2B: one of many users)."
    )
    first_name: str | None = strawberry.field(
        default=None, description="Used only when mapped to a custom attribute (max 150)."
    )
    last_name: str | None = strawberry.field(
        default=None, description="Used only when mapped to a custom attribute (max 150)."
    )
    email: str | None = strawberry.field(
        default=None, description="Used only when mapped to a custom attribute."
    )
    roles: list[str] | None = strawberry.field(
        default=None,
        description="The end user's roles; replaces the stored roles of externalUserId.",
    )
    custom: JSON | None = strawberry.field(
        default=None,
        description="Custom attributes (object); a key is used only when mapped for the brand.",
    )
    request_context: RequestContextInput | None = strawberry.field(
        default=None, description="Device and browsing context."
    )
    explain: bool = strawberry.field(
        default=False,
        description="Also return why each play won or lost (development mode only).",
    )

    def to_request(self) -> OfferRequest:
        """The service-level request."""
        if self.custom is not None and not isinstance(self.custom, dict):
            raise bad_input("input.custom", "expected a JSON object")
        context = self.request_context or RequestContextInput()
        return OfferRequest(
            subscription_id=self.subscription_id,
            external_user_id=self.external_user_id,
            first_name=self.first_name,
            last_name=self.last_name,
            email=self.email,
            roles=tuple(self.roles) if self.roles is not None else None,
            custom=self.custom or {},
            context=RequestContext(
                user_agent=context.user_agent,
                locale=context.locale,
                timezone=context.timezone,
                url=context.url,
                referrer_url=context.referrer_url,
            ),
            explain=self.explain,
        )


@strawberry.input(description="The customer, and who is asking in which context.")
class PersonalizedOffersInput(PersonalizedOfferContextInput):
    customer_id: strawberry.ID = strawberry.field(
        description="The customer's id in the billing system."
    )


@strawberry.type(description="A brand (API keys and catalogs are per brand).")
class Brand:
    id: strawberry.ID = strawberry.field(description="The brand's id.")
    name: str = strawberry.field(description="The brand's display name.")


@strawberry.type(description="An offer's text, in the locale closest to the request's.")
class OfferContent:
    title: str = strawberry.field(description="Headline (plain text).")
    description: str = strawberry.field(description="Body (HTML).")
    locale: str = strawberry.field(description="The locale of this content.")


@strawberry.type(description="One way to take an offer.")
class OfferOption:
    id: strawberry.ID = strawberry.field(description="Option id (pass it to fulfillments).")
    label: str = strawberry.field(description="Button text.")
    processing_type: OfferProcessingType = strawberry.field(description="How it is carried out.")
    processing_layout: OfferProcessingLayout | None = strawberry.field(
        description="Where it opens, when it matters."
    )
    redirect_url: str | None = strawberry.field(description="Target of URL_REDIRECT options.")


@strawberry.type(description="The play that chose the offer.")
class OfferPlay:
    id: strawberry.ID = strawberry.field(description="Play id.")
    name: str = strawberry.field(description="Play name.")
    objective: PlayObjective = strawberry.field(description="What the play aims at.")


@strawberry.type(description="The offer chosen for this customer now.")
class PersonalizedOffer:
    id: strawberry.ID = strawberry.field(
        description="This decision (a signed token): pass it to events and fulfillments."
    )
    offer_id: strawberry.ID = strawberry.field(description="The offer's id.")
    content: OfferContent = strawberry.field(description="Title and description.")
    options: list[OfferOption] = strawberry.field(description="Ways to take the offer.")
    play: OfferPlay = strawberry.field(description="The play behind it.")

    @classmethod
    def from_served(cls, served: ServedOffer) -> PersonalizedOffer:
        """The GraphQL view of a served offer."""
        return cls(
            id=strawberry.ID(served.id),
            offer_id=strawberry.ID(served.offer.id),
            content=OfferContent(
                title=served.content.title,
                description=served.content.description,
                locale=served.content.locale,
            ),
            options=[
                OfferOption(
                    id=strawberry.ID(o.id),
                    label=o.label,
                    processing_type=OfferProcessingType(o.processing_type),
                    processing_layout=OfferProcessingLayout(o.processing_layout)
                    if o.processing_layout
                    else None,
                    redirect_url=o.redirect_url,
                )
                for o in served.offer.options
            ],
            play=OfferPlay(
                id=strawberry.ID(served.play.id),
                name=served.play.name,
                objective=PlayObjective(served.play.objective),
            ),
        )


@strawberry.type(description="Why one play won or lost (explain).")
class PlayExplanation:
    play_id: strawberry.ID = strawberry.field(description="The play.")
    outcome: PlayOutcome = strawberry.field(description="Won, or the first check it failed.")
    detail: str = strawberry.field(description="In words, with the values involved.")
    rule_path: str | None = strawberry.field(
        description="For AUDIENCE: the failing rule, e.g. audience.all[1]."
    )

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> PlayExplanation:
        """The GraphQL view of a verdict."""
        return cls(
            play_id=strawberry.ID(verdict.play_id),
            outcome=PlayOutcome(verdict.outcome.value),
            detail=verdict.detail,
            rule_path=verdict.rule_path,
        )


@strawberry.type(description="At most one offer: the best match for the customer now.")
class PersonalizedOffersPayload:
    offers: list[PersonalizedOffer] = strawberry.field(
        description="Zero or one offer; empty is a normal answer, not an error."
    )
    brand: Brand | None = strawberry.field(description="The brand the decision is for.")
    expires_at: datetime = strawberry.field(
        description="Ask again after this time (the decision may change)."
    )
    explanation: list[PlayExplanation] | None = strawberry.field(
        description="With explain: every active play of the brand, best-ranked first."
    )

    @classmethod
    def from_result(cls, result: OffersResult) -> PersonalizedOffersPayload:
        """The GraphQL view of a decision."""
        brand = None
        if result.brand_id is not None:
            brand = Brand(id=strawberry.ID(result.brand_id), name=result.brand_name or "")
        return cls(
            offers=[PersonalizedOffer.from_served(o) for o in result.offers],
            brand=brand,
            expires_at=result.expires_at,
            explanation=[PlayExplanation.from_verdict(v) for v in result.verdicts]
            if result.verdicts is not None
            else None,
        )


@strawberry.type(description="A recorded offer event.")
class OfferEvent:
    id: strawberry.ID = strawberry.field(description="Event id.")
    type: OfferEventType = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(description="Why a fulfillment failed.")
class OfferFulfillmentFailure:
    code: OfferFulfillmentErrorCode = strawberry.field(description="Machine-readable reason.")
    message: str | None = strawberry.field(description="Free text from the reporter.")


@strawberry.input(description="Why a fulfillment failed.")
class OfferFulfillmentFailureInput:
    code: OfferFulfillmentErrorCode = strawberry.field(
        description="Reason (FULFILLMENT_EXPIRED is reserved for the gateway)."
    )
    message: str | None = strawberry.field(default=None, description="Details (max 500).")


@strawberry.type(description="An accepted offer being carried out.")
class OfferFulfillment(Node):
    id: strawberry.ID = strawberry.field(
        description="Fulfillment id: a global id (Query.node refetches it), opaque."
    )
    offer_id: strawberry.ID = strawberry.field(description="The accepted offer.")
    option_id: strawberry.ID = strawberry.field(description="The chosen option.")
    play_id: strawberry.ID = strawberry.field(description="The play that showed the offer.")
    status: OfferFulfillmentStatus = strawberry.field(
        description="IN_PROGRESS for 7 days at most, then FAILED (FULFILLMENT_EXPIRED)."
    )
    processing_type: OfferProcessingType = strawberry.field(description="How it is carried out.")
    redirect_url: str | None = strawberry.field(description="Where to send the user, if anywhere.")
    failure_reason: OfferFulfillmentFailure | None = strawberry.field(
        description="Set when FAILED."
    )
    created_at: datetime = strawberry.field(description="When the offer was accepted.")
    updated_at: datetime = strawberry.field(description="Last change of status.")

    @classmethod
    def from_record(cls, record: feedback.FulfillmentRecord) -> OfferFulfillment:
        """The GraphQL view of a fulfillment."""
        failure = None
        if record.failure_code is not None:
            failure = OfferFulfillmentFailure(
                code=OfferFulfillmentErrorCode(record.failure_code),
                message=record.failure_message,
            )
        return cls(
            id=strawberry.ID(record.id),
            offer_id=strawberry.ID(record.offer_id),
            option_id=strawberry.ID(record.option_id),
            play_id=strawberry.ID(record.play_id),
            status=OfferFulfillmentStatus(record.status),
            processing_type=OfferProcessingType(record.processing_type),
            redirect_url=record.redirect_url,
            failure_reason=failure,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


@strawberry.type
class OfferQueries:
    """Root fields for personalized offers."""

    @strawberry.field(
        description=(
            "The best offer for a customer now (at most one). Unknown customers get no offers; "
            "SUBSCRIPTION_REQUIRED when subscriptionId is needed to pick the brand."
        )
    )
    async def personalized_offers(
        self,
        info: Info,
        input: Annotated[
            PersonalizedOffersInput,
            strawberry.argument(description="The customer and the request's context."),
        ],
    ) -> PersonalizedOffersPayload:
        result = await personalized_offers(info.context, input.customer_id, input.to_request())
        return PersonalizedOffersPayload.from_result(result)

    @strawberry.field(description="An offer fulfillment by id (null when there is none).")
    async def offer_fulfillment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="OfferFulfillment.id.")],
    ) -> OfferFulfillment | None:
        record = await feedback.get_fulfillment(info.context, id)
        return OfferFulfillment.from_record(record) if record else None


@strawberry.type
class OfferMutations:
    """Mutations for personalized offers."""

    @strawberry.mutation(description="Record that an offer was viewed or dismissed.")
    async def record_offer_event(
        self,
        info: Info,
        personalized_offer_id: Annotated[
            strawberry.ID, strawberry.argument(description="PersonalizedOffer.id of the decision.")
        ],
        type: Annotated[OfferEventType, strawberry.argument(description="What happened.")],
    ) -> OfferEvent:
        record = await feedback.record_event(info.context, personalized_offer_id, _label(type))
        return OfferEvent(
            id=strawberry.ID(record.id),
            type=OfferEventType(record.type),
            occurred_at=record.occurred_at,
        )

    @strawberry.mutation(
        description="Accept an offer with one of its options: records ACCEPTED, IN_PROGRESS."
    )
    async def create_offer_fulfillment(
        self,
        info: Info,
        personalized_offer_id: Annotated[
            strawberry.ID, strawberry.argument(description="PersonalizedOffer.id of the decision.")
        ],
        option_id: Annotated[
            strawberry.ID, strawberry.argument(description="The chosen option's id.")
        ],
    ) -> OfferFulfillment:
        record = await feedback.create_fulfillment(info.context, personalized_offer_id, option_id)
        return OfferFulfillment.from_record(record)

    @strawberry.mutation(
        description=(
            "Complete or fail an IN_PROGRESS fulfillment of a URL_REDIRECT, WEBHOOK or EMAIL "
            "option (failureReason required for FAILED)."
        )
    )
    async def update_offer_fulfillment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="OfferFulfillment.id.")],
        status: Annotated[
            OfferFulfillmentOutcome, strawberry.argument(description="The final state.")
        ],
        failure_reason: Annotated[
            OfferFulfillmentFailureInput | None,
            strawberry.argument(description="Why it failed (FAILED only)."),
        ] = None,
    ) -> OfferFulfillment:
        record = await feedback.update_fulfillment(
            info.context,
            id,
            _label(status),
            _label(failure_reason.code) if failure_reason else None,
            failure_reason.message if failure_reason else None,
        )
        return OfferFulfillment.from_record(record)
