"""The size of a benchmark dataset, derived from one ``scale`` factor (1.0 = 100,000 customers).

>>> Shape.at(0.01).customers
1000
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

FULL_CUSTOMERS = 100_000
FULL_PLAYS = 2_000
FULL_LEDGER_ROWS = 1_000_000
PROMOTIONS_PER_CUSTOMER = 10
ISSUED_PROMOTIONS = 200  # the catalog customers' 10 promotions are drawn from
# Bumped whenever the generator changes what it writes: an older dataset is rebuilt.
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Shape:
    """How many rows of each kind a dataset has."""

    customers: int
    plays: int
    ledger_rows: int
    promotions_per_customer: int = PROMOTIONS_PER_CUSTOMER
    issued_promotions: int = ISSUED_PROMOTIONS
    generator_version: int = GENERATOR_VERSION

    @classmethod
    def at(cls, scale: float) -> Shape:
        """The shape at ``scale`` (at least 10 customers and 10 plays)."""
        if scale <= 0:
            raise ValueError("scale must be positive")
        return cls(
            customers=max(10, round(FULL_CUSTOMERS * scale)),
            plays=max(10, round(FULL_PLAYS * scale)),
            ledger_rows=max(10, round(FULL_LEDGER_ROWS * scale)),
        )

    def as_dict(self) -> dict[str, int]:
        """The parameters stored in the dataset's marker row."""
        return asdict(self)


def customer_id(number: int) -> str:
    """The id of customer ``number`` (0-based).

    >>> customer_id(7)
    'bc-000007'
    """
    return f"bc-{number:06d}"


def describe_shape(shape: Shape) -> str:
    """A shape as people read it.

    >>> describe_shape(Shape.at(0.01))
    '1,000 customers, 20 plays, 10,000 ledger rows'
    """
    return (
        f"{shape.customers:,} customers, {shape.plays:,} plays, {shape.ledger_rows:,} ledger rows"
    )
