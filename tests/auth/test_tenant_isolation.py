"""A key never reads or writes another brand's data, nor acts beyond its scopes: the whole matrix.

Keys are made by the real ``gateway keys create``; requests go over HTTP to a real ``gateway
serve`` in production mode (keys required, the response cache on). The cases are checked against
the schema itself: every Query field, every Mutation field, every field of every federated
entity (through ``_entities``) and ``node`` / ``nodes`` for every type implementing Node must have
a case here, so a new field (or Node type) without one fails the test.

Each case runs three ways:
- a key of the customer's brand (acme) with exactly the scopes the field needs: allowed;
- a key of another brand (globex) with every scope: refused (FORBIDDEN) or an empty answer, as
  the README documents for that field;
- for each scope the field needs, an acme key with every other scope: FORBIDDEN, naming the scope.

Every refused call leaves the database as it was: each table is fingerprinted before and after.
Cross-brand cases follow the matrix: a customer of both brands (demo-multibrand) reached through
the other brand's promotion, decision or subscription, and a customer of the other brand only
reached through the key's own promotion.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

from gateway.identity import global_id
from gateway.operation.assembly import build_schema
from tests.conftest import demo_database
from tests.serving import create_keys_with_cli, running_gateway

SCOPES = ("read", "write", "admin", "router")
SIGNING_KEY = "tenant-matrix-signing-key-0123456789"

# The play behind demo-b2c's offer may be accepted once per customer; the matrix accepts it
# several times (one fulfillment per case), so the limit goes.
SETUP = "UPDATE plays SET max_accepts_per_customer = NULL WHERE play_id = 'acme-annual-upgrade'"
# The cross-brand cases: demo-multibrand (acme and globex) holds an acme promotion; matrix-globex
# is a customer of globex only.
CROSS_BRAND_SETUP = """
INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, event_time)
    VALUES ('demo-multibrand', 'acme-free-shipping', 'acme', now());
INSERT INTO customers (customer_id, segment) VALUES ('matrix-globex', 'consumer');
INSERT INTO customer_brands (customer_id, brand_id) VALUES ('matrix-globex', 'globex');
"""

_unique = itertools.count()


@dataclass
class Served:
    """The served gateway and the keys made for it."""

    http: httpx.Client
    tokens: dict[str, str]
    dsn: str

    def post(self, key: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        """POST an operation with the named key; the JSON answer."""
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[key]}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def offer_token(self, customer: str = "demo-b2c", **input: str) -> str:
        """A fresh decision token of an acme offer for ``customer``: a new end user each time."""
        variables = {"customerId": customer, "externalUserId": f"u-{next(_unique)}", **input}
        answer = self.post("acme:read", OFFERS, {"i": variables})
        return str(answer["data"]["personalizedOffers"]["offers"][0]["id"])

    def database(self) -> dict[str, str]:
        """A fingerprint of every table: name -> row count and md5 of its rows."""
        return asyncio.run(_fingerprint(self.dsn))

    def fulfillment_id(self) -> str:
        """A new IN_PROGRESS URL_REDIRECT fulfillment of an acme offer."""
        answer = self.post("acme:write", CREATE_FULFILLMENT, {"id": self.offer_token()})
        return str(answer["data"]["createOfferFulfillment"]["id"])


def _key_specs() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    needed = {case.scopes for case in CASES.values()}
    specs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
        _key_name(scopes): (scopes, ("acme",)) for scopes in needed
    }
    for scope in SCOPES:
        specs[f"acme:all-but-{scope}"] = (tuple(s for s in SCOPES if s != scope), ("acme",))
    specs["globex:all"] = (SCOPES, ("globex",))
    return specs


def _key_name(scopes: tuple[str, ...]) -> str:
    return "acme:" + "+".join(scopes)


@pytest.fixture(scope="module")
def served(server_dsn: str, template_database: str, tmp_path_factory: Any) -> Iterator[Served]:
    """A production ``gateway serve`` on a fresh demo database, with every key the matrix uses."""
    state: Path = tmp_path_factory.mktemp("tenant-matrix")
    with demo_database(server_dsn, template_database, SETUP, CROSS_BRAND_SETUP) as dsn:
        tokens = create_keys_with_cli(dsn, _key_specs())
        env = {
            "DATABASE_URL": dsn,
            "GATEWAY_ENV": "production",
            "GATEWAY_SIGNING_KEY": SIGNING_KEY,
            "GATEWAY_DATA_DIR": str(state),
            "GATEWAY_LOAD_DEMO": "false",
        }
        with (
            running_gateway(env, log=state / "serve.log") as (base, _process),
            httpx.Client(base_url=base, timeout=30) as http,
        ):
            yield Served(http, tokens, dsn)


_DIGEST = "count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '')"


async def _fingerprint(dsn: str) -> dict[str, str]:
    """Every table of the database: its name -> its row count and an md5 of its rows."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        found = {}
        for (name,) in tables:  # names from the catalog, not from a caller
            found[name] = await conn.fetchval(f'SELECT {_DIGEST} FROM "{name}" x')  # noqa: S608
        return found
    finally:
        await conn.close()


# --- The operations -----------------------------------------------------------------------------

OFFERS = """query ($i: PersonalizedOffersInput!) { personalizedOffers(input: $i) {
  offers { id offerId } brand { id } } }"""
EXPLAIN = """query ($i: PersonalizedOffersInput!) { personalizedOffers(input: $i) {
  offers { offerId } explanation { playId outcome } } }"""
FULFILLMENT = "query ($id: ID!) { offerFulfillment(id: $id) { id status offerId } }"
CART = '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'
SERVICE = "{ _service { sdl } }"
ENTITY = """query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { %s } } }"""
ENTITY_ID = ENTITY % "id"
ENTITY_CART = ENTITY % "cartPromotions { promotionId }"
ENTITY_OFFERS = ENTITY % "personalizedOffers { offers { offerId } brand { id } }"
EVENT = "mutation ($id: ID!) { recordOfferEvent(personalizedOfferId: $id, type: VIEWED) { id } }"
CREATE_FULFILLMENT = """mutation ($id: ID!) {
  createOfferFulfillment(personalizedOfferId: $id, optionId: "learn-more") { id status } }"""
UPDATE_FULFILLMENT = """mutation ($id: ID!) {
  updateOfferFulfillment(id: $id, status: COMPLETED) { id status } }"""
REDEEM = """mutation ($input: RedeemCartPromotionInput!) { redeemCartPromotion(input: $input) {
  __typename ... on Redemption { redemptionId } } }"""
ISSUE = """mutation ($c: [ID!]!) {
  issueCartPromotion(promotionId: "acme-welcome10", customerIds: $c) {
    issuedCustomerIds alreadyIssuedCustomerIds notEligibleCustomerIds } }"""
EARN = """mutation ($input: EarnCartPromotionInput!) { earnCartPromotion(input: $input) {
  created cartPromotion { promotionId earnedStatus } } }"""

CUSTOMER_B2C = [{"__typename": "Customer", "id": "demo-b2c"}]
CUSTOMER_LOYAL = [{"__typename": "Customer", "id": "demo-loyal"}]
Variables = Callable[[Served], dict[str, Any]]
Check = Callable[[Any], None]


def _fixed(variables: dict[str, Any]) -> Variables:
    return lambda _served: variables


def _redeem_variables(served: Served) -> dict[str, Any]:
    n = next(_unique)
    return {
        "input": {
            "customerId": "demo-loyal",
            "promotionId": "acme-free-shipping",
            "transactionId": f"t-matrix-{n}",
            "amount": "0.00",
            "idempotencyKey": f"matrix-{n}",
        }
    }


def _earn_variables(served: Served) -> dict[str, Any]:
    return {"input": {"customerId": "demo-loyal", "promotionId": "acme-five-orders",
                      "earnedType": "REWARD", "milestoneId": f"ms-{next(_unique)}"}}  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One field: how to call it, what it needs, and what each kind of key gets."""

    query: str
    variables: Variables
    scopes: tuple[str, ...]
    allowed: Check
    # What another brand's key gets: None means FORBIDDEN; otherwise a check of its data.
    other_brand: Check | None = None


def _equals(expected: Any) -> Check:
    def check(data: Any) -> None:
        assert data == expected

    return check


def _has(path: str, predicate: Callable[[Any], bool] = bool) -> Check:
    def check(data: Any) -> None:
        value = data
        for part in path.split("."):
            value = value[int(part)] if part.isdigit() else value[part]
        assert predicate(value), f"{path} = {value!r}"

    return check


# Keyed by "Query.<field>", "Mutation.<field>" and "_entities.<Entity>.<field>".
CASES: dict[str, Case] = {
    "Query.personalizedOffers": Case(
        OFFERS,
        _fixed({"i": {"customerId": "demo-b2c"}}),
        ("read",),
        _has("personalizedOffers.brand.id", lambda b: b == "acme"),
        _equals({"personalizedOffers": {"offers": [], "brand": None}}),
    ),
    "Query.personalizedOffers+explain": Case(
        EXPLAIN,
        _fixed({"i": {"customerId": "demo-b2c", "explain": True}}),
        ("read", "admin"),
        _has("personalizedOffers.explanation"),
        # Another brand sees neither the offer nor acme's plays.
        _equals({"personalizedOffers": {"offers": [], "explanation": []}}),
    ),
    "Query.offerFulfillment": Case(
        FULFILLMENT,
        lambda served: {"id": served.fulfillment_id()},
        ("read",),
        _has("offerFulfillment.status", lambda s: s == "IN_PROGRESS"),
    ),
    "Query.cartPromotions": Case(
        CART, _fixed({}), ("read",), _has("cartPromotions"), _equals({"cartPromotions": []})
    ),
    # The SDL is the same for every brand: the router scope is all it needs.
    "Query._service": Case(
        SERVICE,
        _fixed({}),
        ("router",),
        _has("_service.sdl", lambda sdl: "type Customer" in sdl),
        _has("_service.sdl", lambda sdl: "type Customer" in sdl),
    ),
    # The id is the router's own representation, echoed: no brand data.
    "_entities.Customer.id": Case(
        ENTITY_ID,
        _fixed({"r": CUSTOMER_B2C}),
        ("router",),
        _has("_entities.0.id", lambda i: i == "demo-b2c"),
        _equals({"_entities": [{"id": "demo-b2c"}]}),
    ),
    "_entities.Customer.cartPromotions": Case(
        ENTITY_CART,
        _fixed({"r": CUSTOMER_LOYAL}),
        ("router", "read"),
        _has("_entities.0.cartPromotions"),
        _equals({"_entities": [{"cartPromotions": []}]}),
    ),
    "_entities.Customer.personalizedOffers": Case(
        ENTITY_OFFERS,
        _fixed({"r": CUSTOMER_B2C}),
        ("router", "read"),
        _has("_entities.0.personalizedOffers.offers"),
        _equals({"_entities": [{"personalizedOffers": {"offers": [], "brand": None}}]}),
    ),
    "Mutation.recordOfferEvent": Case(
        EVENT, lambda served: {"id": served.offer_token()}, ("write",), _has("recordOfferEvent.id")
    ),
    "Mutation.createOfferFulfillment": Case(
        CREATE_FULFILLMENT,
        lambda served: {"id": served.offer_token()},
        ("write",),
        _has("createOfferFulfillment.status", lambda s: s == "IN_PROGRESS"),
    ),
    "Mutation.updateOfferFulfillment": Case(
        UPDATE_FULFILLMENT,
        lambda served: {"id": served.fulfillment_id()},
        ("write",),
        _has("updateOfferFulfillment.status", lambda s: s == "COMPLETED"),
    ),
    "Mutation.redeemCartPromotion": Case(
        REDEEM,
        _redeem_variables,
        ("write",),
        _has("redeemCartPromotion.__typename", lambda t: t == "Redemption"),
    ),
    "Mutation.issueCartPromotion": Case(
        ISSUE,
        _fixed({"c": ["demo-b2c"]}),
        ("admin",),
        _has("issueCartPromotion.notEligibleCustomerIds", lambda ids: ids == []),
    ),
    "Mutation.earnCartPromotion": Case(
        EARN,
        _earn_variables,
        ("admin",),
        _has("earnCartPromotion.cartPromotion.earnedStatus", lambda s: s == "UNLOCKED"),
    ),
}


NODE = "query ($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"

# A global id of an acme object of each Node type (demo-loyal's welcome promotion; a fulfillment).
NODE_IDS: dict[str, Callable[[Served], str]] = {
    "CartPromotion": lambda _: global_id("CartPromotion", "demo-loyal", "acme-welcome10"),
    "PromotionRestrictions": lambda _: global_id(
        "PromotionRestrictions", "demo-loyal", "acme-welcome10", ""
    ),
    "Restriction": lambda _: global_id(
        "Restriction", "demo-loyal", "acme-welcome10", "customer", "redemption", ""
    ),
    "OfferFulfillment": lambda served: served.fulfillment_id(),
}
# As the field each comes from: another brand's promotion is not there (null), another brand's
# fulfillment is FORBIDDEN (as offerFulfillment).
FORBIDDEN_TO_OTHER_BRANDS = {"OfferFulfillment"}


def _is(type_name: str) -> Callable[[Any], bool]:
    return lambda value: bool(value == type_name)


def _ids(make_id: Callable[[Served], str], name: str, count: int | None) -> Variables:
    def variables(served: Served) -> dict[str, Any]:
        return {name: make_id(served) if count is None else [make_id(served)] * count}

    return variables


def _node_cases() -> dict[str, Case]:
    cases = {}
    for type_name, make_id in NODE_IDS.items():
        hidden = type_name not in FORBIDDEN_TO_OTHER_BRANDS
        cases[f"Query.node({type_name})"] = Case(
            NODE,
            _ids(make_id, "id", None),
            ("read",),
            _has("node.__typename", _is(type_name)),
            _equals({"node": None}) if hidden else None,
        )
        cases[f"Query.nodes({type_name})"] = Case(
            NODES,
            _ids(make_id, "ids", 2),
            ("read",),
            _has("nodes.1.__typename", _is(type_name)),
            _equals({"nodes": [None, None]}) if hidden else None,
        )
    return cases


CASES.update(_node_cases())


def _schema_fields() -> set[str]:
    """Every field a key could reach: root fields, and entity fields through ``_entities``."""
    schema = build_schema()._schema
    names: set[str] = set()
    node = schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    implementations = schema.get_implementations(node).objects
    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        for name in root.fields:
            if name in ("node", "nodes"):
                names.update(f"{root.name}.{name}({t.name})" for t in implementations)
            elif name != "_entities":
                names.add(f"{root.name}.{name}")
    entity = schema.type_map["_Entity"]
    assert isinstance(entity, GraphQLUnionType)
    for member in entity.types:
        assert isinstance(member, GraphQLObjectType)
        names.update(f"_entities.{member.name}.{name}" for name in member.fields)
    return names


def test_every_field_of_the_schema_has_a_case() -> None:
    covered = {name.partition("+")[0] for name in CASES}  # "+": a variant of a field

    assert covered == _schema_fields(), "add a case for each new field (or drop a removed one)"


def _leaves(data: Any) -> list[Any]:
    """Every non-null scalar in ``data``."""
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _leaves(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _leaves(value)]
    return [] if data is None else [data]


def _errors(answer: Any) -> list[tuple[str, str]]:
    return [(e["extensions"]["code"], e["message"]) for e in answer.get("errors") or ()]


# Writes something whenever allowed (issueCartPromotion may find the promotion already issued).
WRITES_EVERY_TIME = {
    "Mutation.recordOfferEvent",
    "Mutation.createOfferFulfillment",
    "Mutation.updateOfferFulfillment",
    "Mutation.redeemCartPromotion",
    "Mutation.earnCartPromotion",
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_brands_key_with_the_needed_scopes_is_allowed(served: Served, name: str) -> None:
    case = CASES[name]
    variables = case.variables(served)
    before = served.database()

    answer = served.post(_key_name(case.scopes), case.query, variables)

    assert _errors(answer) == []
    case.allowed(answer["data"])
    if name in WRITES_EVERY_TIME:  # the fingerprint sees a write (so it would see a stray one)
        assert served.database() != before


@pytest.mark.parametrize("name", list(CASES))
def test_another_brands_key_is_refused_or_sees_nothing(served: Served, name: str) -> None:
    case = CASES[name]
    variables = case.variables(served)
    # The brand's own key first: a response cache that ignored the key would now leak its answer.
    if case.other_brand is not None:
        served.post(_key_name(case.scopes), case.query, variables)
    before = served.database()

    answer = served.post("globex:all", case.query, variables)

    assert served.database() == before, "a refused (or empty) answer writes nothing"

    if case.other_brand is None:
        errors = _errors(answer)
        assert errors, answer
        for code, message in errors:  # one per item of a list (nodes)
            assert code == "FORBIDDEN", message
            assert "belongs to a brand this key does not cover" in message
        assert _leaves(answer["data"]) == [], "a refused field answers nothing"
    else:
        assert _errors(answer) == []
        case.other_brand(answer["data"])


@pytest.mark.parametrize(
    ("name", "scope"), [(name, scope) for name, case in CASES.items() for scope in case.scopes]
)
def test_a_key_without_a_needed_scope_is_refused(served: Served, name: str, scope: str) -> None:
    case = CASES[name]
    variables = case.variables(served)
    before = served.database()

    answer = served.post(f"acme:all-but-{scope}", case.query, variables)

    assert served.database() == before, "a refused call writes nothing"

    errors = _errors(answer)
    assert errors, answer
    for code, message in errors:  # one per item of a list (nodes)
        assert code == "FORBIDDEN", message
        assert message.endswith(f"this API key lacks the '{scope}' scope")
    assert _leaves(answer["data"]) == [], "a refused field answers nothing"


def test_a_key_for_one_brand_needs_no_subscription_id_for_a_multibrand_customer(
    served: Served,
) -> None:
    answer = served.post("globex:all", OFFERS, {"i": {"customerId": "demo-multibrand"}})

    assert _errors(answer) == []
    assert answer["data"]["personalizedOffers"]["brand"] == {"id": "globex"}


# --- Across brands ------------------------------------------------------------------------------


def _refused_and_unchanged(served: Served, key: str, query: str, variables: Any) -> None:
    before = served.database()

    answer = served.post(key, query, variables)

    assert served.database() == before, "a refused call writes nothing"
    errors = _errors(answer)
    assert errors, answer
    for code, message in errors:
        assert code == "FORBIDDEN", message
        assert "belongs to a brand this key does not cover" in message
    assert _leaves(answer["data"]) == []


def _redeem_for(customer: str, promotion: str = "acme-free-shipping") -> dict[str, Any]:
    n = next(_unique)
    return {"input": {"customerId": customer, "promotionId": promotion,
                      "transactionId": f"t-cross-{n}", "amount": "0.00",
                      "idempotencyKey": f"cross-{n}"}}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (REDEEM, _redeem_for("demo-multibrand")),
        (ISSUE, {"c": ["demo-multibrand"]}),
    ],
    ids=["redeem", "issue"],
)
def test_another_brands_promotion_is_refused_for_a_customer_of_both_brands(
    served: Served, query: str, variables: dict[str, Any]
) -> None:
    # globex covers demo-multibrand, but acme-free-shipping is acme's.
    _refused_and_unchanged(served, "globex:all", query, variables)


@pytest.mark.parametrize("query", [EVENT, CREATE_FULFILLMENT], ids=["event", "fulfillment"])
def test_another_brands_decision_is_refused_for_a_customer_of_both_brands(
    served: Served, query: str
) -> None:
    token = served.offer_token("demo-multibrand", subscriptionId="sub-mb-acme")

    _refused_and_unchanged(served, "globex:all", query, {"id": token})


@pytest.mark.parametrize(
    ("key", "foreign"), [("acme:all-but-router", "sub-mb-globex"), ("globex:all", "sub-mb-acme")]
)
def test_a_multibrand_customers_subscription_of_another_brand_is_unknown_to_the_key(
    served: Served, key: str, foreign: str
) -> None:
    def ask(subscription: str) -> Any:
        variables = {"i": {"customerId": "demo-multibrand", "subscriptionId": subscription}}
        return served.post(key, OFFERS, variables)

    before = served.database()

    answer = ask(foreign)

    assert served.database() == before
    assert answer["data"] is None
    [error] = answer["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.subscriptionId"}
    # Word for word what a subscription that exists nowhere gets: nothing tells it exists.
    unknown = ask("sub-nowhere")["errors"][0]
    assert error["message"] == unknown["message"].replace("sub-nowhere", foreign)


# Every scope a write needs (read, write, admin), for acme.
ALL_ACME = "acme:all-but-router"
REDEEM_WHY = """mutation ($input: RedeemCartPromotionInput!) { redeemCartPromotion(input: $input) {
  __typename ... on RedemptionRejected { code message } } }"""


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (REDEEM_WHY, lambda c: _redeem_for(c)),
        (ISSUE, lambda c: {"c": [c]}),
        (
            EARN,
            lambda c: {
                "input": {
                    "customerId": c,
                    "promotionId": "acme-five-orders",
                    "earnedType": "REWARD",
                    "milestoneId": "ms-cross",
                }
            },
        ),
    ],
    ids=["redeem", "issue", "earn"],
)
def test_the_keys_own_promotion_for_another_brands_customer_is_as_for_an_unknown_one(
    served: Served, query: str, variables: Callable[[str], dict[str, Any]]
) -> None:
    # matrix-globex is globex's only. acme's key learns nothing from it that it would not learn
    # from a customer who does not exist, and nothing the customer holds or uses changes.
    before = served.database()

    foreign = served.post(ALL_ACME, query, variables("matrix-globex"))

    assert served.database() == before, "nothing stored about another brand's customer"
    unknown = served.post(ALL_ACME, query, variables("matrix-nobody"))
    shown = orjson.dumps(foreign).decode().replace("matrix-globex", "<customer>")
    assert shown == orjson.dumps(unknown).decode().replace("matrix-nobody", "<customer>")
    assert 'Redemption"' not in shown and 'issuedCustomerIds":["' not in shown, shown


def test_a_retried_key_tells_another_brands_customer_from_an_unknown_one_in_no_way(
    served: Served,
) -> None:
    # The same idempotency key sent again with another request is a CONFLICT for an attempt
    # that was stored: storing one for another brand's customer would tell it exists.
    def redeem_twice(customer: str) -> list[str]:
        first = _redeem_for(customer)
        again = {"input": {**first["input"], "amount": "1.00"}}
        answers = [served.post(ALL_ACME, REDEEM_WHY, v) for v in (first, again)]
        return [orjson.dumps(a).decode().replace(customer, "<customer>") for a in answers]

    assert redeem_twice("matrix-globex") == redeem_twice("matrix-nobody")
