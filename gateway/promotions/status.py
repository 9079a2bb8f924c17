"""Status derivation (REFERENCE C.4): pure functions of the stored facts and the request's clock."""

from __future__ import annotations

from datetime import datetime

from gateway.promotions.model import EarnedStatus, PromotionStatus


def promotion_status(
    *, is_active: bool, starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> PromotionStatus:
    """INACTIVE when switched off or not started, EXPIRED once its end has passed, else ACTIVE.

    >>> now = datetime(2026, 6, 1)
    >>> promotion_status(is_active=True, starts_at=None, ends_at=None, now=now)
    <PromotionStatus.ACTIVE: 'active'>
    >>> promotion_status(is_active=True, starts_at=None, ends_at=datetime(2026, 5, 31), now=now)
    <PromotionStatus.EXPIRED: 'expired'>
    """
    if not is_active or (starts_at is not None and now < starts_at):
        return PromotionStatus.INACTIVE
    if ends_at is not None and now >= ends_at:
        return PromotionStatus.EXPIRED
    return PromotionStatus.ACTIVE


def earned_status(*, locked: bool, valid_till: datetime | None, now: datetime) -> EarnedStatus:
    """EXPIRED once the customer's validTill has passed, else LOCKED or UNLOCKED as stored.

    >>> earned_status(locked=False, valid_till=datetime(2026, 5, 31), now=datetime(2026, 6, 1))
    <EarnedStatus.EXPIRED: 'expired'>
    """
    if valid_till is not None and now >= valid_till:
        return EarnedStatus.EXPIRED
    return EarnedStatus.LOCKED if locked else EarnedStatus.UNLOCKED
