"""Strategies for broken and hostile HTTP requests to /graphql.

Each strategy draws a ``RawRequest``: random bytes, huge strings, deep nesting, wrong JSON types,
non-object bodies, odd content types, junk query parameters, junk API keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class RawRequest:
    """One HTTP request as sent on the wire (``content`` already encoded)."""

    method: str = "POST"
    content: bytes = b""
    params: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


JSON_TYPE = {"content-type": "application/json"}

# A small valid document to carry odd variables, extensions and operation names.
TYPENAME = "query Q($v: String) { __typename }"

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and Infinity are encoded as the non-JSON words NaN / Infinity
    st.text(max_size=30),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)


def encode(value: Any) -> bytes:
    """``value`` as JSON text (stdlib: NaN/Infinity come out as bare words, like sloppy clients)."""
    return json.dumps(value).encode()


def _nested_list(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def _nested_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


_depths = st.sampled_from([2, 64, 255, 256, 600, 1025, 5000, 20000])
_sizes = st.sampled_from([1, 1000, 30_000, 65_000, 66_000, 200_000])

# Whole bodies with a valid JSON object shape but wrong types or odd members.
_odd_members = st.fixed_dictionaries(
    {},
    optional={
        "query": st.one_of(json_values, st.sampled_from([TYPENAME, "", " ", "{", "}"])),
        "variables": json_values,
        "operationName": st.one_of(json_values, st.sampled_from(["Q", "", "Nope"])),
        "extensions": st.one_of(
            json_values,
            st.fixed_dictionaries(
                {
                    "persistedQuery": st.one_of(
                        json_values,
                        st.fixed_dictionaries(
                            {
                                "version": json_values,
                                "sha256Hash": st.one_of(json_values, st.just("0" * 64)),
                            }
                        ),
                    )
                }
            ),
        ),
    },
)

_huge = st.builds(
    lambda size, char, where: {
        "query": f'{{ cartPromotions(customerId: "{char * size}") {{ promotionId }} }}'
        if where == "literal"
        else TYPENAME,
        "variables": {"v": char * size} if where == "variable" else None,
        "operationName": char * size if where == "name" else None,
    },
    _sizes,
    st.sampled_from(["a", "é", "\x00", "\\", '"', "\U0001f600"]),
    st.sampled_from(["literal", "variable", "name"]),
)

_deep_documents = st.builds(
    lambda depth, kind: {
        "braces": "{" * depth + "}" * depth,
        "selections": "{ " + 'cartPromotions(customerId: "demo-loyal") { ' * depth + "}" * depth,
        "list_literal": f'{{ cartPromotions(customerId: "x", status: {_nested_list(depth)}) '
        "{ promotionId } }",
        "object_literal": '{ personalizedOffers(input: {customerId: "demo-loyal", custom: '
        + "{a: " * depth
        + "1"
        + "}" * depth
        + "}) { expiresAt } }",
        "parens": "{ __typename" + "(" * depth + " }",
        "fragments": "".join(
            f"fragment F{i} on Query {{ ...F{i + 1} }} " for i in range(min(depth, 500))
        )
        + f"fragment F{min(depth, 500)} on Query {{ __typename }} {{ ...F0 }}",
    }[kind],
    _depths,
    st.sampled_from(
        ["braces", "selections", "list_literal", "object_literal", "parens", "fragments"]
    ),
)

_nasty_documents = st.sampled_from(
    [
        "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }",
        "query A { __typename } query B { __typename }",
        "subscription { __typename }",
        "{ __typename @skip(if: true) @skip(if: false) }",
        "query Q($x: Boolean!) { __typename @include(if: $x) }",
        'query Q($x: Int = "a") { __typename }',
        "{ _entities(representations: [{}]) { __typename } }",
        '{ _entities(representations: [{__typename: "Customer"}]) { __typename } }',
        '{ _entities(representations: [{__typename: "Nope", id: 1}]) { __typename } }',
        '{ _entities(representations: [{__typename: "Customer", id: {a: [1]}}]) '
        "{ ... on Customer { id } } }",
        "{ _service { sdl } }",
        "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }",
        "{ " + " ".join(f"a{i}: __typename" for i in range(200)) + " }",
        "{ " + "__typename " * 3000 + "}",
        "# only a comment",
        "\ufeff{ __typename }",
        "{ __typename }\x00",
        "mutation { __typename }",
        'mutation { issueCartPromotion(promotionId: "acme-welcome10", customerIds: []) '
        "{ promotionId } }",
        'mutation { issueCartPromotion(promotionId: "acme-welcome10", customerIds: ['
        + ", ".join(f'"c{i}"' for i in range(1001))
        + "]) { promotionId } }",
        '{ cartPromotions(customerId: "") { promotionId } }',
        '{ cartPromotions(customerId: "demo-loyal", status: []) { promotionId } }',
        '{ offerFulfillment(id: "00000000-0000-0000-0000-000000000000") { id } }',
        '{ offerFulfillment(id: "-1") { id } }',
        '{ offerFulfillment(id: "99999999999999999999999") { id } }',
    ]
)

_documents = st.one_of(
    _deep_documents,
    _nasty_documents,
    st.text(max_size=200),
    st.text(alphabet="{}()[]:$@!.,=\"'|&#\\ \n\tabcQ_", max_size=200),
)

_content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/graphql",
        "application/graphql-response+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "multipart/mixed; boundary=xyz",
        "application/octet-stream",
        "",
        "application/json; boundary=\x7f",
        "*/*",
    ]
)
_accepts = st.sampled_from(
    [
        "application/json",
        "application/graphql-response+json",
        "*/*",
        "multipart/mixed",
        "text/event-stream",
        "",
        "nonsense",
    ]
)
_authorization = st.one_of(
    st.none(),
    st.sampled_from(["", "Bearer", "Bearer ", "Basic abc", "Bearer gw_", "bearer x y z"]),
    st.builds(lambda tail: f"Bearer gw_{'a' * 12}_{tail}", st.text(max_size=60)),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
)


def _headers(content_type: str | None, accept: str, authorization: str | None) -> dict[str, str]:
    headers = {"accept": accept}
    if content_type:
        headers["content-type"] = content_type
    if authorization is not None:
        headers["authorization"] = authorization
    return headers


def _json_post(body: Any) -> RawRequest:
    return RawRequest(content=encode(body), headers=dict(JSON_TYPE))


random_bytes = st.builds(
    lambda body, content_type, accept: RawRequest(
        content=body, headers=_headers(content_type, accept, None)
    ),
    st.binary(max_size=500),
    _content_types,
    _accepts,
)

non_object_bodies = st.one_of(
    json_values.filter(lambda value: not isinstance(value, dict)),
    st.lists(st.fixed_dictionaries({"query": st.just("{ __typename }")}), max_size=3),
).map(_json_post)

wrong_member_types = _odd_members.map(_json_post)
huge_values = _huge.map(_json_post)
hostile_documents = _documents.map(lambda document: _json_post({"query": document}))

deep_json = st.builds(
    lambda depth, kind: RawRequest(
        content=(
            f'{{"query": "{TYPENAME}", "variables": {{"v": {_nested_list(depth)}}}}}'
            if kind == "list"
            else f'{{"query": "{TYPENAME}", "variables": {_nested_object(depth)}}}'
        ).encode(),
        headers=dict(JSON_TYPE),
    ),
    _depths,
    st.sampled_from(["list", "object"]),
)

odd_content_types = st.builds(
    lambda document, content_type, accept: RawRequest(
        content=document.encode()
        if content_type.startswith(("application/graphql", "text/"))
        else encode({"query": document}),
        headers=_headers(content_type, accept, None),
    ),
    st.one_of(_nasty_documents, st.just("{ __typename }")),
    _content_types,
    _accepts,
)

_param_values = st.one_of(
    st.text(max_size=100),
    _nasty_documents,
    json_values.map(json.dumps),
    st.just("{ __typename }"),
)
# Capped at 8 kB of parameters, like the URLs proxies pass on (httpx refuses 64 kB itself).
junk_gets = st.builds(
    lambda params, accept: RawRequest(
        method="GET", params=tuple(params), headers={"accept": accept}
    ),
    st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(["query", "variables", "operationName", "extensions"]),
                st.text(max_size=10),
            ),
            _param_values,
        ),
        max_size=5,
    ).filter(lambda params: sum(len(name) + len(value) for name, value in params) < 8192),
    _accepts,
)

other_methods = st.builds(
    lambda method, body: RawRequest(method=method, content=body, headers=dict(JSON_TYPE)),
    st.sampled_from(["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]),
    st.sampled_from([b"", encode({"query": "{ __typename }"})]),
)

junk_keys = st.builds(
    lambda authorization: RawRequest(
        content=encode({"query": "{ __typename }"}),
        headers=_headers("application/json", "application/json", authorization),
    ),
    _authorization,
)

hostile_requests = st.one_of(
    random_bytes,
    non_object_bodies,
    wrong_member_types,
    huge_values,
    hostile_documents,
    deep_json,
    odd_content_types,
    junk_gets,
    other_methods,
    junk_keys,
)
