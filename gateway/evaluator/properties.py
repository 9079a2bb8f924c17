"""The properties audience rules can test, their types, and the facts of one subject.

Facts are a flat dict from property name to value, built once per request; compiled rules read it.
A property the subject has no value for is absent (reads as None).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum

from gateway.evaluator.subject import Subject

NOW_KEY = "$now"  # facts also carry the evaluation time, for relative time rules
CUSTOM_PREFIX = "custom."
_CUSTOM_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

Facts = dict[str, object]


class PropertyType(Enum):
    """What kind of value a property holds, which decides the operators it accepts."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    STRING_LIST = "string list"
    ANY = "any JSON value"  # custom.*: the rule's value decides


S, N, B, D, L = (
    PropertyType.STRING,
    PropertyType.NUMBER,
    PropertyType.BOOLEAN,
    PropertyType.DATETIME,
    PropertyType.STRING_LIST,
)

PROPERTIES: dict[str, PropertyType] = {
    "customer.id": S,
    "customer.lifecycle_stage": S,
    "customer.segment": S,
    "customer.region": S,
    "customer.country": S,
    "customer.company": S,
    "customer.created_at": D,
    "customer.tenure_days": N,
    "subscription.id": S,
    "subscription.plan": S,
    "subscription.status": S,
    "subscription.billing_period": N,
    "subscription.billing_period_unit": S,
    "subscription.amount": N,
    "subscription.currency": S,
    "subscription.started_at": D,
    "subscription.tenure_days": N,
    "subscription.trial_end": D,
    "subscription.term_end": D,
    "subscription.cancel_scheduled": B,
    "subscription.cancel_scheduled_at": D,
    "user.external_id": S,
    "user.roles": L,
    "device.type": S,
    "device.os": S,
    "device.os_version": S,
    "device.browser": S,
    "device.browser_version": S,
    "device.brand": S,
    "device.model": S,
    "request.locale": S,
    "request.language": S,
    "request.timezone": S,
    "request.url_host": S,
    "request.url_path": S,
    "request.referrer_host": S,
    "history.viewed_count": N,
    "history.dismissed_count": N,
    "history.accepted_count": N,
    "history.last_viewed_at": D,
    "history.last_dismissed_at": D,
    "history.last_accepted_at": D,
}


def property_type(name: str) -> PropertyType | None:
    """The type of property ``name``, or None when there is no such property.

    >>> property_type("subscription.plan")
    <PropertyType.STRING: 'string'>
    """
    if name.startswith(CUSTOM_PREFIX):
        return PropertyType.ANY if _CUSTOM_KEY.match(name[len(CUSTOM_PREFIX) :]) else None
    return PROPERTIES.get(name)


def _days_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, (now - moment).days)


def facts_of(subject: Subject, now: datetime) -> Facts:
    """The flat facts rules are evaluated against: property name → value (None dropped).

    >>> from gateway.evaluator.subject import Customer
    >>> facts_of(Subject(Customer("c1")), datetime(2026, 6, 1))["customer.id"]
    'c1'
    """
    customer, sub, user, device, request, history = (
        subject.customer,
        subject.subscription,
        subject.user,
        subject.device,
        subject.request,
        subject.history,
    )
    values: dict[str, object] = {
        NOW_KEY: now,
        "customer.id": customer.id,
        "customer.lifecycle_stage": customer.lifecycle_stage,
        "customer.segment": customer.segment,
        "customer.region": customer.region,
        "customer.country": customer.country,
        "customer.company": customer.company,
        "customer.created_at": customer.created_at,
        "customer.tenure_days": _days_since(customer.created_at, now),
        "user.external_id": user.external_id,
        "user.roles": user.roles or None,
        "device.type": device.type,
        "device.os": device.os,
        "device.os_version": device.os_version,
        "device.browser": device.browser,
        "device.browser_version": device.browser_version,
        "device.brand": device.brand,
        "device.model": device.model,
        "request.locale": request.locale,
        "request.language": request.language,
        "request.timezone": request.timezone,
        "request.url_host": request.url_host,
        "request.url_path": request.url_path,
        "request.referrer_host": request.referrer_host,
        "history.viewed_count": history.viewed_count,
        "history.dismissed_count": history.dismissed_count,
        "history.accepted_count": history.accepted_count,
        "history.last_viewed_at": history.last_viewed_at,
        "history.last_dismissed_at": history.last_dismissed_at,
        "history.last_accepted_at": history.last_accepted_at,
    }
    if sub is not None:
        values.update(
            {
                "subscription.id": sub.id,
                "subscription.plan": sub.plan_id,
                "subscription.status": sub.status,
                "subscription.billing_period": sub.billing_period,
                "subscription.billing_period_unit": sub.billing_period_unit,
                "subscription.amount": sub.amount,
                "subscription.currency": sub.currency,
                "subscription.started_at": sub.started_at,
                "subscription.tenure_days": _days_since(sub.started_at, now),
                "subscription.trial_end": sub.trial_end,
                "subscription.term_end": sub.term_end,
                "subscription.cancel_scheduled": sub.cancel_scheduled_at is not None,
                "subscription.cancel_scheduled_at": sub.cancel_scheduled_at,
            }
        )
    for key, value in subject.custom.items():
        values[CUSTOM_PREFIX + key] = value
    return {name: value for name, value in values.items() if value is not None}
