"""A PostgreSQL snapshot as ``pg_current_snapshot()`` prints it, and which commits it shows.

``xmin:xmax:xip,...``: every transaction below ``xmin`` had finished, none from ``xmax`` on had,
and those listed in ``xip`` were still running. A committed transaction is visible exactly when
its id is below ``xmin``, or below ``xmax`` and not listed (PostgreSQL's own rule).

On a hot standby ``pg_current_snapshot()`` lists no running transactions at all (the standby
keeps them where the function does not look), so a standby's snapshot is read as ``xmin:xmin:``:
there only ``xid < xmin`` proves a commit visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Which transactions a snapshot shows.

    >>> Snapshot.parse("725:728:725").shows(726), Snapshot.parse("725:728:725").shows(725)
    (True, False)
    """

    xmin: int
    xmax: int
    xip: frozenset[int] = frozenset()

    @staticmethod
    def parse(text: str, *, standby: bool = False) -> Snapshot:
        """``pg_current_snapshot()::text``; ``standby``: the server is in recovery."""
        return _parse(text, standby)

    def shows(self, xid: int) -> bool:
        """True when a committed transaction ``xid`` is visible in this snapshot."""
        return xid < self.xmin or (xid < self.xmax and xid not in self.xip)

    def shows_all_of(self, earlier: Snapshot) -> bool:
        """True when every commit ``earlier`` shows is visible here too."""
        if self.xmin >= earlier.xmax:
            return True
        if self.xmax < earlier.xmax:
            return False
        # Running here but finished there: a commit ``earlier`` shows that this one does not.
        return all(xid in earlier.xip for xid in self.xip if xid < earlier.xmax)

    def meet(self, other: Snapshot) -> Snapshot:
        """A snapshot showing only what both show (to check several statements at once)."""
        xmax = min(self.xmax, other.xmax)
        if other.xip <= self.xip and self.xmax <= other.xmax and self.xmin <= other.xmin:
            return self
        xip = frozenset(x for x in self.xip | other.xip if x < xmax)
        return Snapshot(min(self.xmin, other.xmin), xmax, xip)


# A requirement no snapshot meets (a write whose transaction id could not be learnt).
NEVER = Snapshot(2**63 - 1, 2**63 - 1)


@lru_cache(maxsize=256)
def _parse(text: str, standby: bool) -> Snapshot:
    xmin_text, xmax_text, xip_text = text.split(":")
    xmin = int(xmin_text)
    if standby:
        return Snapshot(xmin, xmin)
    xip = frozenset(int(x) for x in xip_text.split(",")) if xip_text else frozenset()
    return Snapshot(xmin, int(xmax_text), xip)


# The columns a replica read gets appended (see ``with_snapshot``).
ROW_MARK = "gateway_row"
SNAPSHOT = "gateway_snapshot"
STANDBY = "gateway_standby"


_WRAP_HEAD = (
    "SELECT q.*, h.gateway_snapshot, h.gateway_standby"
    " FROM (SELECT pg_current_snapshot()::text AS gateway_snapshot,"
    " pg_is_in_recovery() AS gateway_standby) AS h"
    " LEFT JOIN LATERAL (SELECT i.*, true AS gateway_row FROM (\n"
)
_WRAP_TAIL = "\n) AS i) AS q ON true"


@lru_cache(maxsize=512)
def with_snapshot(query: str) -> str:
    """``query`` returning, on every row, its snapshot (and one row when empty).

    The snapshot is the statement's own, so it says exactly which transactions the rows can show
    (``Snapshot`` above); ``gateway_standby`` says whether it lists the running ones.
    The original columns keep their names and positions; ``gateway_row`` is NULL on the one row
    an empty result becomes.

    >>> with_snapshot("SELECT 1 AS a")
    'SELECT q.*, h.gateway_snapshot, h.gateway_standby FROM (SELECT pg_current_snapshot()...'
    """
    return _WRAP_HEAD + query + _WRAP_TAIL
