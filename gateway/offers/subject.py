"""Assemble the evaluator's ``Subject`` from the stored snapshot and the request.

Rules: the request's roles replace the stored end user's roles when given; stored customer
attributes are ``custom.*`` properties; request fields (first_name, last_name, email, custom keys)
count only through the brand's attribute mappings, and then win over stored attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from gateway.evaluator import EndUser, RequestInfo, Subject, Subscription, device_from_user_agent
from gateway.offers.customer import CustomerSnapshot
from gateway.offers.locale import normalize_locale
from gateway.offers.request import OfferRequest


def _host_and_path(url: str | None) -> tuple[str | None, str | None]:
    if not url:
        return None, None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None, None
    return (parts.hostname or None), (parts.path or None)


def mapped_custom(
    stored: Mapping[str, object], request: OfferRequest, mappings: tuple[tuple[str, str], ...]
) -> dict[str, object]:
    """Stored attributes overlaid with the request's mapped fields (unmapped input is ignored).

    >>> request = OfferRequest(custom={"companySize": 9, "other": 1})
    >>> mapped_custom({}, request, (("size", "custom.companySize"),))
    {'size': 9}
    """
    custom = dict(stored)
    for prop, source in mappings:
        if source.startswith("custom."):
            value = request.custom.get(source.removeprefix("custom."))
        else:
            value = getattr(request, source)
        if value is not None:
            custom[prop] = value
    return custom


def build_subject(
    snapshot: CustomerSnapshot,
    subscription: Subscription | None,
    request: OfferRequest,
    mappings: tuple[tuple[str, str], ...],
) -> Subject:
    """The subject of one decision."""
    context = request.context
    locale = normalize_locale(context.locale)
    url_host, url_path = _host_and_path(context.url)
    referrer_host, _ = _host_and_path(context.referrer_url)
    roles = request.roles if request.roles is not None else snapshot.end_user_roles or ()
    return Subject(
        customer=snapshot.customer,
        subscription=subscription,
        user=EndUser(request.external_user_id, tuple(roles)),
        device=device_from_user_agent(context.user_agent),
        request=RequestInfo(
            locale=locale,
            language=locale.split("-")[0] if locale else None,
            timezone=context.timezone,
            url_host=url_host,
            url_path=url_path,
            referrer_host=referrer_host,
        ),
        custom=mapped_custom(snapshot.attributes, request, mappings),
        history=snapshot.history,
    )
