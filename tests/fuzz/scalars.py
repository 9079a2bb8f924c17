"""Value-node strategies for the schema's scalars, biased toward the demo data's ids.

Random ids only ever reach "not found" paths; mixing in the demo ids lets generated operations
read and write real customers, promotions and offers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

DEMO_IDS = (
    # customers, subscriptions
    "demo-b2c",
    "demo-none",
    "demo-b2b",
    "demo-multibrand",
    "demo-loyal",
    "sub-b2c",
    "sub-b2b",
    "sub-mb-acme",
    "sub-mb-globex",
    # promotions, loyalty programs
    "acme-welcome10",
    "acme-birthday",
    "acme-five-orders",
    "acme-gold-tv",
    "acme-miles-bonus",
    "acme-flash-2025",
    "acme-paused",
    "acme-free-shipping",
    "acme-skymiles-2x",
    "acme-silver-pos",
    "acme-hotels-night",
    "acme-all-members",
    "acme-rewards",
    "acme-skymiles",
    "acme-hotels",
    # offers, options, brands
    "acme-annual-upgrade",
    "switch-annual",
    "learn-more",
    "add-seats",
    "accept-discount",
    "acme",
    "globex",
)

_text = st.text(max_size=40)

ids = st.one_of(
    st.sampled_from(DEMO_IDS).map(nodes.String),
    _text.map(nodes.String),
    st.integers(min_value=-(2**63), max_value=2**63).map(nodes.Int),
)

_offsets = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)).map(
    lambda delta: timezone(timedelta(minutes=delta // timedelta(minutes=1)))
)

date_times = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_offsets
    ).map(lambda moment: nodes.String(moment.isoformat())),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)).map(
        lambda moment: nodes.String(moment.isoformat())  # naive: must be refused
    ),
    st.just(nodes.String(datetime(2026, 1, 1, tzinfo=UTC).isoformat())),
    _text.map(nodes.String),
)

decimals = st.one_of(
    st.decimals(places=2, min_value=-(10**6), max_value=10**6).map(nodes.String),
    st.decimals(allow_nan=True, allow_infinity=True).map(nodes.String),
    st.integers().map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
    _text.map(nodes.String),
)


def _json_values(max_leaves: int) -> st.SearchStrategy[graphql.ValueNode]:
    leaves = st.one_of(
        st.just(nodes.Null),
        st.booleans().map(nodes.Boolean),
        st.integers().map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        _text.map(nodes.String),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(nodes.List),
            st.dictionaries(st.text(max_size=12), children, max_size=4).map(_object),
        ),
        max_leaves=max_leaves,
    )


def _object(fields: dict[str, graphql.ValueNode]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=_name(key)), value=value)
            for key, value in fields.items()
        ]
    )


def _name(key: str) -> str:
    # GraphQL object literal keys are Names: keep the generated key's letters, always valid.
    cleaned = "".join(ch for ch in key if ch.isascii() and (ch.isalnum() or ch == "_"))
    return cleaned if cleaned and not cleaned[0].isdigit() else f"k{cleaned}"


json_values = _json_values(max_leaves=20)

representations = st.one_of(
    st.builds(
        lambda customer_id: _object({"__typename": nodes.String("Customer"), "id": customer_id}),
        ids,
    ),
    json_values,
)

CUSTOM_SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "ID": ids,
    "DateTime": date_times,
    "Decimal": decimals,
    "JSON": json_values,
    "_Any": representations,
}
