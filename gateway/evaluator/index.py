"""An index of a brand's active plays, so a request tests a few candidates, not all of them.

Plays are kept best-ranked first; play number ``i`` is bit ``i`` of a Python int used as a bitset.
For every categorical property that some play requires with ``eq`` / ``in`` / ``contains`` at the
top level of its audience, the index keeps, per value, the set of plays that accept that value, and
the set of plays that do not constrain the property. A request's candidates are the AND over those
properties of (plays accepting its value | unconstrained plays): a sound superset of the matches,
walked in rank order, so the first candidate that passes every check is the winner.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from gateway.evaluator.models import Play
from gateway.evaluator.properties import Facts, PropertyType
from gateway.evaluator.rules import Condition

_INDEXABLE = {
    (PropertyType.STRING, "eq"),
    (PropertyType.STRING, "in"),
    (PropertyType.STRING_LIST, "contains"),
    (PropertyType.STRING_LIST, "in"),
}


def _accepted_values(condition: Condition) -> tuple[object, ...] | None:
    """The values a condition accepts when it can be indexed, else None."""
    if (condition.property_type, condition.operator) not in _INDEXABLE:
        return None
    value = condition.value
    return tuple(value) if isinstance(value, list) else (value,)


@dataclass(frozen=True)
class _PropertyIndex:
    by_value: dict[object, int]  # value → plays that accept it
    unconstrained: int  # plays with no indexed condition on this property
    is_list: bool

    def compatible(self, fact: object) -> int:
        if fact is None:
            return self.unconstrained
        if self.is_list:
            plays = self.unconstrained
            for item in fact:  # type: ignore[attr-defined]
                plays |= self.by_value.get(item, 0)
            return plays
        return self.unconstrained | self.by_value.get(fact, 0)


class PlayIndex:
    """A brand's active plays, best first, with bitset indexes on selective conditions.

    Example::

        index = PlayIndex(plays)
        next(index.candidates(facts)).id  # the best-ranked play that may match
    """

    def __init__(self, plays: Iterable[Play]) -> None:
        self.plays: tuple[Play, ...] = tuple(
            sorted((p for p in plays if p.status == "active"), key=lambda p: p.rank_key)
        )
        everyone = (1 << len(self.plays)) - 1
        by_property: dict[str, dict[object, int]] = {}
        is_list: dict[str, bool] = {}
        for position, play in enumerate(self.plays):
            bit = 1 << position
            seen: set[str] = set()
            for condition in play.audience.top_level_conditions():
                values = _accepted_values(condition)
                if values is None or condition.property in seen:
                    continue
                seen.add(condition.property)
                is_list[condition.property] = condition.property_type is PropertyType.STRING_LIST
                by_value = by_property.setdefault(condition.property, {})
                for value in values:
                    by_value[value] = by_value.get(value, 0) | bit
        self._everyone = everyone
        self._properties: dict[str, _PropertyIndex] = {}
        for prop, by_value in by_property.items():
            constrained = 0
            for plays_bits in by_value.values():
                constrained |= plays_bits
            self._properties[prop] = _PropertyIndex(
                by_value, everyone & ~constrained, is_list[prop]
            )

    def __len__(self) -> int:
        return len(self.plays)

    @property
    def indexed_properties(self) -> tuple[str, ...]:
        """The properties the index narrows candidates by."""
        return tuple(self._properties)

    def candidates(self, facts: Facts) -> Iterator[Play]:
        """Plays that may match ``facts``, best-ranked first (a superset of the matches)."""
        mask = self._everyone
        for prop, index in self._properties.items():
            mask &= index.compatible(facts.get(prop))
            if not mask:
                return
        plays = self.plays
        while mask:
            lowest = mask & -mask
            yield plays[lowest.bit_length() - 1]
            mask ^= lowest
