"""Compiled plans answer exactly as graphql-core does on the production schema and data.

Corpus: every operation of the README's (and docs/') GraphQL blocks, the benchmark's operations,
GraphiQL's default query, hand-written cases for what plans treat specially (unions,
mutations run serially, nullable lists, errors with locations and extensions, ``@skip`` /
``@include`` false), and a generated corpus (hypothesis-graphql over ``schema.graphql``, fixed
seed, bounded), run as generated and with its arguments made variables given random values.
See ``tests.execution.equivalence`` for how both sides run.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from bench import first_part, scenarios
from gateway.db import create_pool
from gateway.ide.default_query import DEFAULT_QUERY
from gateway.operation import compiled
from gateway.promotions import shown_limits
from gateway.promotions.listing import CartPromotionRecord
from gateway.promotions.shown_limits import LimitsByLevel, ShownLimit
from gateway.schema import promotions as promotion_types
from gateway.schema.promotions import CartPromotion
from gateway.settings import Settings
from tests.conftest import copy_template
from tests.docs_pages import ROOT
from tests.dsn import dsn_with_database
from tests.execution.equivalence import (
    Twins,
    answer_id,
    client_operations,
    documented_operations,
    lift_arguments,
    without_random_ids,
)
from tests.execution.variable_values import Values
from tests.fuzz.scalars import CUSTOM_SCALARS

CUSTOMERS = ["demo-loyal", "demo-b2c", "demo-none", "demo-b2b", "demo-multibrand", "nobody"]


@pytest.fixture
async def twins(
    settings: Settings, pool: asyncpg.Pool, server_dsn: str, template_database: str
) -> AsyncIterator[Twins]:
    """Both executors, each on its own copy of the demo database."""
    name = await copy_template(server_dsn, template_database)
    plain_pool = await create_pool(dsn_with_database(server_dsn, name), settings)
    try:
        yield Twins(settings, pool, plain_pool)
    finally:
        await plain_pool.close()
        conn = await asyncpg.connect(server_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def _bench_operations() -> list[tuple[str, dict[str, Any] | None]]:
    offers = [
        {"customerId": "demo-b2c", "requestContext": {"userAgent": ua, "locale": locale}}
        for ua, locale in zip(scenarios.USER_AGENTS, scenarios.LOCALES, strict=True)
    ]
    offers += [
        {"customerId": "demo-b2b", "externalUserId": "u-alice", "custom": {"companySize": 250}},
        {"customerId": "demo-multibrand"},  # SUBSCRIPTION_REQUIRED
        {"customerId": "demo-multibrand", "subscriptionId": "sub-mb-globex"},
    ]
    representations = [{"__typename": "Customer", "id": c} for c in CUSTOMERS]
    return [
        (scenarios.HELLO, None),
        *((scenarios.PERSONALIZED, {"input": i}) for i in offers),
        *((scenarios.CART, {"customerId": c}) for c in CUSTOMERS),
        *((first_part.DEFERRED_CART, {"customerId": c}) for c in CUSTOMERS),
        (first_part.LISTING, {"customerId": "demo-loyal"}),
        (scenarios.ENTITIES, {"representations": representations}),
        (DEFAULT_QUERY, None),
    ]


RESULT = """__typename
  ... on Redemption { redemptionId customerId amount replayed
                      restrictions { customer { level kpi maxLimit remainingRedemption } } }
  ... on RedemptionRejected { code message replayed idempotencyKey
                              restriction { level kpi remainingRedemption } }"""

HAND_WRITTEN: list[tuple[str, dict[str, Any] | None]] = [
    # @skip / @include false, literal and variable, on leaves, objects and fragments.
    (
        """query ($no: Boolean!, $yes: Boolean!) { cartPromotions(customerId: "demo-loyal") {
          promotionId @skip(if: true) promotionName @include(if: $no)
          restrictions @include(if: false) { cart { kpi } }
          ... on CartPromotion @skip(if: $yes) { earnedType }
          supplementaryCriteria @include(if: $yes) { loyaltyProgramId } } }""",
        {"no": False, "yes": True},
    ),
    # Nullable lists and objects: promotions without limits (restrictions null), entities.
    (
        """{ cartPromotions(customerId: "demo-loyal", includeSupplementary: true) {
          promotionId restrictions { cart { maxLimit } promotion { remainingRedemption } }
          supplementaryCriteria { programType partnerProgramId } validTill milestoneId } }""",
        None,
    ),
    (
        """query ($r: [_Any!]!) { _entities(representations: $r) { __typename
          ... on Customer { id cartPromotions(status: [ACTIVE, EXPIRED]) { promotionStatus }
                            personalizedOffers { offers { offerId } brand { name } } } } }""",
        {"r": [{"__typename": "Customer", "id": c} for c in CUSTOMERS]},
    ),
    # Errors with paths, locations and extensions.
    ('{ cartPromotions(customerId: "") { promotionId } }', None),
    ('{ a: cartPromotions(customerId: "demo-loyal") { promotionId } b: __typename }', None),
    (
        """{ ok: cartPromotions(customerId: "demo-b2c") { promotionId }
          bad: personalizedOffers(input: {customerId: "demo-multibrand"}) { expiresAt }
          fine: personalizedOffers(input: {customerId: "demo-b2c"}) { offers { offerId } } }""",
        None,
    ),
    (
        """{ personalizedOffers(input: {customerId: "demo-b2c", subscriptionId: "x"}) {
          brand { id } } }""",
        None,
    ),
    ("{ cartPromotions(customerId: 12) { promotionId nope } }", None),
    # Mutations run serially: the second sees the first's redemption; unions; refusals as data.
    (
        f"""mutation {{
          first: redeemCartPromotion(input: {{customerId: "demo-loyal", promotionId:
            "acme-welcome10", transactionId: "eq-1", amount: "5.00", idempotencyKey: "eq-1"}})
            {{ {RESULT} }}
          again: redeemCartPromotion(input: {{customerId: "demo-loyal", promotionId:
            "acme-welcome10", transactionId: "eq-1", amount: "5.00", idempotencyKey: "eq-1"}})
            {{ {RESULT} }}
          other: redeemCartPromotion(input: {{customerId: "demo-loyal", promotionId:
            "acme-five-orders", transactionId: "eq-2", amount: "1.00", idempotencyKey: "eq-2"}})
            {{ {RESULT} }}
          conflict: redeemCartPromotion(input: {{customerId: "demo-loyal", promotionId:
            "acme-welcome10", transactionId: "eq-3", amount: "5.00", idempotencyKey: "eq-1"}})
            {{ {RESULT} }}
          bad: redeemCartPromotion(input: {{customerId: "demo-loyal", promotionId:
            "acme-welcome10", transactionId: "eq-4", amount: "-1", idempotencyKey: "eq-4"}})
            {{ {RESULT} }} }}""",
        None,
    ),
    (
        """mutation { issueCartPromotion(promotionId: "acme-welcome10",
          customerIds: ["demo-b2c", "demo-b2c", "nobody", "demo-multibrand"]) {
          promotionId issuedCustomerIds alreadyIssuedCustomerIds notEligibleCustomerIds } }""",
        None,
    ),
]


LIMIT = "level kpi maxLimit remainingRedemption"

# @defer: every part (pending ids, paths, labels, subPaths, completed, errors) and the merged
# answer. Nested fragments, labels, conditions (literal and variable), fragments under a list,
# on fields that fail, on fragment spreads, deferred and not at once, at the root.
DEFERRED: list[tuple[str, dict[str, Any] | None]] = [
    (
        f"""query ($c: ID!) {{ cartPromotions(customerId: $c, includeSupplementary: true) {{
          promotionId
          ... @defer(label: "limits") {{
            restrictions {{ cart {{ {LIMIT} }} customer {{ {LIMIT} }} }}
            ... @defer(label: "programs") {{ supplementaryCriteria {{ programType }} }}
          }} }} }}""",
        {"c": "demo-loyal"},
    ),
    (
        """query ($c: ID!, $later: Boolean!) { cartPromotions(customerId: $c) {
          promotionId ... @defer(if: $later) { promotionName earnedType }
          ... @defer(if: false) { validTill } } }""",
        {"c": "demo-b2c", "later": True},
    ),
    (
        """query ($c: ID!, $later: Boolean!) { cartPromotions(customerId: $c) {
          promotionId ... @defer(if: $later) { promotionName earnedType } } }""",
        {"c": "demo-b2c", "later": False},
    ),
    (
        f"""query ($c: ID!) {{ cartPromotions(customerId: $c) {{
          promotionId ...Limits @defer(label: "spread")
          restrictions {{ promotion {{ kpi }} ... @defer {{ customer {{ {LIMIT} }} }} }} }} }}
        fragment Limits on CartPromotion {{ promotionName restrictions {{ cart {{ kpi }} }} }}""",
        {"c": "demo-loyal"},
    ),
    (
        """{ ok: cartPromotions(customerId: "demo-loyal") { promotionId }
          ... @defer(label: "bad") { bad: cartPromotions(customerId: "") { promotionId } }
          ... @defer(label: "offers") {
            offers: personalizedOffers(input: {customerId: "demo-multibrand"}) { expiresAt } } }""",
        None,
    ),
    (
        """query ($r: [_Any!]!) { _entities(representations: $r) { __typename
          ... on Customer { id ... @defer(label: "cart") { cartPromotions { promotionId
            ... @defer(label: "deep") { restrictions { customer { kpi } } } } } } } }""",
        {"r": [{"__typename": "Customer", "id": c} for c in CUSTOMERS]},
    ),
    (
        """{ cartPromotions(customerId: "nobody") { promotionId ... @defer { promotionName } } }""",
        None,
    ),
    # Under a mutation's field (run serially), and a spread deferred by a variable.
    (
        f"""mutation {{ redeemCartPromotion(input: {{customerId: "demo-loyal", promotionId:
          "acme-welcome10", transactionId: "eq-defer", amount: "5.00", idempotencyKey: "eq-d"}})
          {{ __typename ... on Redemption {{ redemptionId
            ... @defer(label: "after") {{ restrictions {{ customer {{ {LIMIT} }} }} }} }} }} }}""",
        None,
    ),
    (
        """query ($c: ID!, $later: Boolean) { cartPromotions(customerId: $c) {
          promotionId ...Name @defer(if: $later, label: "name") }
        } fragment Name on CartPromotion { promotionName earnedStatus }""",
        {"c": "demo-loyal"},
    ),
]

# Variables the offer lifecycle examples take: a decision token, then the fulfillment made.
LIFECYCLE_VARIABLES = frozenset({"id", "f"})
TOKEN_QUERY = """query ($i: PersonalizedOffersInput!) { personalizedOffers(input: $i) {
  offers { id } } }"""


async def test_documented_benchmarked_and_hand_written_operations(twins: Twins) -> None:
    documented = documented_operations()
    assert len(documented) >= 10, "the docs' GraphQL blocks should be found"
    lifecycle = [d for d in documented if d.variable_names and d.variables is None]
    unknown = [d.where for d in lifecycle if not d.variable_names <= LIFECYCLE_VARIABLES]
    assert unknown == [], "give these a '# variables: {...}' line in their block"
    corpus = [(d.query, d.variables) for d in documented if d not in lifecycle]
    clients = client_operations()
    assert len(clients) >= 5, "the storefront's and client tests' queries should be found"
    corpus += _bench_operations() + [(q, v) for _, q, v in clients] + HAND_WRITTEN + DEFERRED

    answers = [await twins.compare(query, variables) for query, variables in corpus]
    # Only introspection and @stream run on graphql-core (subscriptions are left out above).
    assert twins.engine.compiled is not None
    plans = [twins.engine.compiled.plan_text(query) for query, _ in corpus]
    fallbacks = {text for text in plans if text.startswith("runs on graphql-core")}
    assert fallbacks <= {"runs on graphql-core: introspection", "runs on graphql-core: @stream"}
    answers += await _offer_lifecycle(twins, [d.query for d in lifecycle])

    # Deferred operations run on plans, and answer in parts.
    assert len([a for a in answers if "parts" in a]) >= len(DEFERRED) - 2
    # The corpus reaches data and errors both, not only empty answers.
    assert sum(1 for a in answers if a.get("data") and not a.get("errors")) >= len(corpus) // 2
    assert {e["extensions"]["code"] for a in answers for e in a.get("errors", ())} >= {
        "BAD_USER_INPUT",
        "SUBSCRIPTION_REQUIRED",
        "CONFLICT",
        "GRAPHQL_VALIDATION_FAILED",
    }


async def _offer_lifecycle(twins: Twins, queries: list[str]) -> list[dict[str, Any]]:
    """The docs' event and fulfillment examples, in order, on a decision for demo-b2c.

    Both sides get the same token (same clock and key); each gets its own fulfillment id (a
    random uuid in its own database), and those ids are left out of the comparison.
    """
    offers = await twins.compare(TOKEN_QUERY, {"i": {"customerId": "demo-b2c"}})
    token = offers["data"]["personalizedOffers"]["offers"][0]["id"]
    fulfillment = {twins.plain: "", twins.engine: ""}
    answers = []
    for query in queries:
        both = {}
        for schema in (twins.plain, twins.engine):
            both[schema] = await twins.run(schema, query, {"id": token, "f": fulfillment[schema]})
            fulfillment[schema] = (
                answer_id(both[schema], "createOfferFulfillment") or (fulfillment[schema])
            )
        plain, engine = (without_random_ids(both[s]) for s in (twins.plain, twins.engine))
        assert engine == plain, query
        assert not engine["errors"], engine["errors"]
        answers.append(engine)
    return answers


async def test_plans_shared_by_concurrent_requests_read_their_own_data(twins: Twins) -> None:
    # The same document for many customers at once: every request reuses the same shared
    # collections and plans while the others are mid-flight.
    requests = [
        (scenarios.CART, {"customerId": c}) for _ in range(4) for c in CUSTOMERS
    ] + [(scenarios.ENTITIES, {"representations": [{"__typename": "Customer", "id": c}]})
         for c in CUSTOMERS]  # fmt: skip
    expected = [await twins.run(twins.plain, q, v) for q, v in requests]

    actual = await asyncio.gather(*(twins.run(twins.engine, q, v) for q, v in requests))

    assert actual == expected


async def test_evicted_plans_are_rebuilt_right(
    twins: Twins, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Plans are kept for the last CACHE_SIZE documents: with room for two, the first of three
    # documents is evicted, and planned again when it comes back.
    monkeypatch.setattr(compiled, "CACHE_SIZE", 2)
    small = replace(twins)
    operations = [
        (scenarios.CART, {"customerId": "demo-loyal"}),
        (scenarios.HELLO, None),
        (scenarios.ENTITIES, {"representations": [{"__typename": "Customer", "id": "demo-b2c"}]}),
    ]
    first = [await small.compare(q, v) for q, v in operations]

    again = [await small.compare(q, v) for q, v in operations]

    assert again == first
    assert not any(answer["errors"] for answer in first)


# --- The generated corpus --------------------------------------------------------------------

# The exported SDL uses federation's @link and @key without declaring them.
SDL_SCHEMA = graphql.build_schema((ROOT / "schema.graphql").read_text(), assume_valid_sdl=True)
GENERATED = 60


@settings(
    max_examples=GENERATED,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operation=st.one_of(
        queries(SDL_SCHEMA, custom_scalars=CUSTOM_SCALARS),
        mutations(SDL_SCHEMA, custom_scalars=CUSTOM_SCALARS),
    )
)
async def test_generated_operations(twins: Twins, operation: str) -> None:
    await twins.compare(operation)


GENERATED_WITH_VARIABLES = 40


@st.composite
def _with_variables(draw: st.DrawFn, values: Values) -> tuple[str, dict[str, Any]]:
    """A generated operation with its arguments as variables, and values for them.

    The values, for the whole operation: the generated literals; values drawn valid for their
    types; or, variable by variable, the literal, a drawn value (mostly valid; else null, a
    wrong type, a single value for a list, missing or extra fields) or none at all.
    """
    operation = draw(
        st.one_of(
            queries(SDL_SCHEMA, custom_scalars=CUSTOM_SCALARS),
            mutations(SDL_SCHEMA, custom_scalars=CUSTOM_SCALARS),
        )
    )
    lifted = lift_arguments(SDL_SCHEMA, operation)
    mode = draw(st.sampled_from(["literals", "valid", "mixed"]))
    variables = {}
    for name, type_ in lifted.types.items():
        choice = {"literals": 1, "valid": 5}.get(mode) or draw(st.integers(0, 7))
        if choice == 0:
            continue  # not given
        if choice < 4:
            variables[name] = lifted.literals[name]
        else:
            variables[name] = draw(values.valid(type_) if choice == 5 else values.of(type_))
    return lifted.query, variables


async def test_generated_operations_with_variables(twins: Twins) -> None:
    # hypothesis-graphql writes arguments as literals: here they become variables, given values
    # that are coerced per request (tests/execution/test_variables.py checks the coercer alone).
    loop = asyncio.get_running_loop()
    seen: Counter[str] = Counter()

    @settings(
        max_examples=GENERATED_WITH_VARIABLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=_with_variables(Values(SDL_SCHEMA)))
    def check(case: tuple[str, dict[str, Any]]) -> None:
        query, variables = case
        compared = asyncio.run_coroutine_threadsafe(twins.compare(query, variables), loop)
        answer = compared.result(timeout=60)
        seen["with variables"] += bool(variables)
        seen["data"] += any(v is not None for v in (answer["data"] or {}).values())
        invalid = any(e["message"].startswith("Variable '$") for e in answer["errors"])
        seen["invalid variables" if invalid else "ran"] += 1

    # Hypothesis runs in a thread: the comparisons run on this loop, where the pools live.
    await asyncio.to_thread(check)

    # Most operations had variables, most ran, some on real data; some variables were refused
    # (how many depends on the examples drawn, which hypothesis derives from the test's file
    # path among others: test_refused_variables_answer_alike refuses some in every checkout).
    assert seen["with variables"] >= GENERATED_WITH_VARIABLES // 2, seen
    assert seen["ran"] >= GENERATED_WITH_VARIABLES // 2 and seen["data"] >= 3, seen
    assert seen["invalid variables"] >= 1, seen


OFFERS_WITH_INPUT = (
    "query ($in: PersonalizedOffersInput!) { personalizedOffers(input: $in) { offers { id } } }"
)
REFUSED_VARIABLES = [
    ("query ($id: ID!) { cartPromotions(customerId: $id) { promotionId } }", {}),
    ("query ($id: ID!) { cartPromotions(customerId: $id) { promotionId } }", {"id": None}),
    ("query ($id: ID!) { cartPromotions(customerId: $id) { promotionId } }", {"id": 5.5}),
    ("query ($id: ID!) { cartPromotions(customerId: $id) { promotionId } }", {"id": ["a"]}),
    (OFFERS_WITH_INPUT, {"in": {"customerId": "demo-b2c", "firstName": 7}}),
    (OFFERS_WITH_INPUT, {"in": {"customerId": "demo-b2c", "nonsense": 1}}),
    (OFFERS_WITH_INPUT, {"in": {"firstName": "Ann"}}),
]


@pytest.mark.parametrize(("query", "variables"), REFUSED_VARIABLES)
async def test_refused_variables_answer_alike(
    twins: Twins, query: str, variables: dict[str, Any]
) -> None:
    answer = await twins.compare(query, variables)

    assert answer["data"] is None
    messages = [error["message"] for error in answer["errors"]]
    assert messages and all(message.startswith("Variable '$") for message in messages)


def test_the_generated_corpus_reads_the_schema_file() -> None:
    sdl = Path(ROOT / "schema.graphql").read_text()

    assert "type Query" in sdl and SDL_SCHEMA.mutation_type is not None


# --- Faults injected into resolvers ------------------------------------------------------------

FAULTY_CART = """query ($customerId: ID!, $supplementary: Boolean!) {
  cartPromotions(customerId: $customerId, includeSupplementary: $supplementary) {
    promotionId promotionName earnedType
    restrictions { customer { kpi maxLimit remainingRedemption } promotion { kpi } }
    supplementaryCriteria { loyaltyProgramId programType }
  }
  again: _entities(representations: [{__typename: "Customer", id: "demo-loyal"}]) {
    ... on Customer { cartPromotions { promotionId validTill } }
  }
}"""
# The same reads deferred: faults in later parts, and parents nulled before their part is sent.
FAULTY_DEFERRED = """query ($customerId: ID!, $supplementary: Boolean!) {
  cartPromotions(customerId: $customerId, includeSupplementary: $supplementary) {
    promotionId earnedType
    ... @defer(label: "name") { promotionName }
    ... @defer(label: "limits") {
      restrictions { customer { kpi maxLimit remainingRedemption } promotion { kpi } }
      supplementaryCriteria { loyaltyProgramId programType }
    }
  }
  again: _entities(representations: [{__typename: "Customer", id: "demo-loyal"}]) {
    ... on Customer { cartPromotions { promotionId promotionName ... @defer { validTill } } }
  }
}"""


@pytest.mark.parametrize("query", [FAULTY_CART, FAULTY_DEFERRED], ids=["whole", "deferred"])
@pytest.mark.parametrize(
    "fault",
    ["none", "null name", "bad kpi", "restrictions raise", "restrictions null name"],
)
async def test_faults_in_resolvers_propagate_alike(
    twins: Twins, monkeypatch: pytest.MonkeyPatch, fault: str, query: str
) -> None:
    # The same faults on both sides, every other promotion: nulls in non-null fields (the null
    # climbs to the nearest nullable parent), values a leaf cannot serialize, exceptions in a
    # nested resolver, each at its path.
    original_listing = promotion_types.as_cart_promotions
    seen: dict[str, int] = {}

    def faulty_listing(records: list[CartPromotionRecord]) -> list[CartPromotion]:
        changed = []
        for record in records:
            nth = seen.setdefault(record.promotion_id, len(seen))
            if nth % 2 == 1 and fault == "null name":
                record = record._replace(promotion_name=None)  # type: ignore[arg-type]
            changed.append(record)
        return original_listing(changed)

    built: list[ShownLimit] = []
    original_limits = shown_limits.limits_by_level

    def faulty_limit(limit: ShownLimit) -> ShownLimit:
        built.append(limit)
        if fault == "bad kpi" and len(built) % 2:
            limit = limit._replace(kpi="sideways")  # type: ignore[arg-type]
        if fault == "restrictions null name" and len(built) % 3 == 0:
            limit = limit._replace(max_limit=None)  # type: ignore[arg-type]
        return limit

    def faulty_limits(*args: Any) -> LimitsByLevel | None:
        if fault == "restrictions raise" and seen.get(args[2], 0) % 2:
            raise RuntimeError("limits unreadable")
        limits = original_limits(*args)
        if limits is None:
            return None
        cart, customer, promotion, product, category = (
            [faulty_limit(limit) for limit in level] for level in limits[:5]
        )
        return limits._replace(
            cart=cart, customer=customer, promotion=promotion, product=product, category=category
        )

    monkeypatch.setattr(promotion_types, "as_cart_promotions", faulty_listing)
    monkeypatch.setattr(promotion_types, "limits_by_level", faulty_limits)

    for supplementary, merged in itertools.product((False, True), (False, True)):
        seen.clear()
        built.clear()
        variables = {"customerId": "demo-loyal", "supplementary": supplementary}
        expected = await twins.run(twins.plain, query, variables, merged=merged)
        seen.clear()
        built.clear()
        actual = await twins.run(twins.engine, query, variables, merged=merged)
        assert actual == expected, (fault, supplementary, merged)
        if "parts" not in actual:
            assert bool(actual["errors"]) is (fault != "none"), actual
