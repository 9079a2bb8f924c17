"""Which writes a replica read must already show, and whether a replica's snapshot shows them.

Change notifications carry the writing transaction's id (``<xid>/c:<customer>``: see
``sql/041_change_notifications_xid.sql``). For every customer, promotion and for "everything",
this keeps the highest transaction id that changed it. A read sent to the replica also returns
its snapshot's ``xmin`` (``pg_snapshot_xmin(pg_current_snapshot())``, in the same statement):
every transaction below it had finished when the snapshot was taken, so the snapshot shows a
write exactly when the write's transaction id is below that ``xmin``. The answer is kept when
every write that concerns it passes that test; otherwise the request is redone on the primary.

Why not ``pg_last_wal_replay_lsn()``: evaluated inside the statement it may be read after the
statement's snapshot was taken, so "replayed past the write" would not prove the snapshot shows
it. The snapshot's own ``xmin`` does (and is conservative: a long transaction still running on the
primary holds it back, which sends reads to the primary until it ends).
"""

from __future__ import annotations

from collections.abc import Iterable

# Above this many tracked ids the maps fold into the global requirement (bounded memory; the
# global one is at least as strict).
MAX_TRACKED = 100_000


class ReplicaFreshness:
    """The transaction ids a replica snapshot must have passed, per customer and promotion.

    >>> fresh = ReplicaFreshness()
    >>> fresh.connected(baseline_xid=700)
    >>> fresh.apply("c:demo-b2c", 725)
    >>> fresh.shows(tags_customers={"demo-b2c"}, tags_promotions=set(), snapshot_xmin=726)
    True
    """

    def __init__(self, max_tracked: int = MAX_TRACKED) -> None:
        # False while the change listener is down or before it knows where the primary stands:
        # notifications may be missed, so no replica answer can be vouched for.
        self.ready = False
        self.global_xid = 0
        # The highest transaction id of any write: what a read that does not tag its data needs.
        self.latest_xid = 0
        self._customers: dict[str, int] = {}
        self._promotions: dict[str, int] = {}
        self._max_tracked = max_tracked

    def connected(self, baseline_xid: int) -> None:
        """The listener (re)connected; every write that committed before is ``<= baseline_xid``."""
        self.global_xid = max(self.global_xid, baseline_xid)
        self.latest_xid = max(self.latest_xid, self.global_xid)
        self._customers.clear()
        self._promotions.clear()
        self.ready = True

    def disconnected(self) -> None:
        """The listener lost its connection: replica answers cannot be vouched for."""
        self.ready = False

    def apply(self, change: str, xid: int | None) -> None:
        """One notification (``c:<customer>``, ``p:<promotion>``, ``all``) by transaction ``xid``.

        A notification without a transaction id (a database missing the migration) makes every
        replica answer unprovable until the listener reconnects.
        """
        if xid is None:
            self.ready = False
            return
        self.latest_xid = max(self.latest_xid, xid)
        kind, _, key = change.partition(":")
        if kind == "c" and key:
            self._raise(self._customers, (key,), xid)
        elif kind == "p" and key:
            self._raise(self._promotions, (key,), xid)
        else:
            self.global_xid = max(self.global_xid, xid)

    def wrote(self, customers: Iterable[str], promotions: Iterable[str], xid: int) -> None:
        """This worker's own write, committed at or below ``xid`` (``all`` when nothing named)."""
        customers, promotions = tuple(customers), tuple(promotions)
        self.latest_xid = max(self.latest_xid, xid)
        if not customers and not promotions:
            self.global_xid = max(self.global_xid, xid)
        self._raise(self._customers, customers, xid)
        self._raise(self._promotions, promotions, xid)

    def required(self, customers: Iterable[str], promotions: Iterable[str]) -> int:
        """The highest transaction id among the writes that concern these customers/promotions."""
        needed = self.global_xid
        for key in customers:
            needed = max(needed, self._customers.get(key, 0))
        for key in promotions:
            needed = max(needed, self._promotions.get(key, 0))
        return needed

    def shows(
        self, tags_customers: Iterable[str], tags_promotions: Iterable[str], snapshot_xmin: int
    ) -> bool:
        """True when a replica snapshot with this ``xmin`` shows every write that concerns them."""
        return self.ready and self.required(tags_customers, tags_promotions) < snapshot_xmin

    def shows_everything(self, snapshot_xmin: int) -> bool:
        """True when a replica snapshot with this ``xmin`` shows every write notified so far.

        For reads whose data is not recorded in cache tags (fields other than the cacheable ones).
        """
        return self.ready and self.latest_xid < snapshot_xmin

    def _raise(self, required: dict[str, int], keys: Iterable[str], xid: int) -> None:
        for key in keys:
            if required.get(key, 0) < xid:
                required[key] = xid
        if len(required) > self._max_tracked:
            self.global_xid = max(self.global_xid, *required.values())
            required.clear()
