"""Which writes a replica read must already show, and whether a replica's snapshot shows them.

Change notifications carry the writing transaction's id (``<xid>/c:<customer>``: see
``sql/041_change_notifications_xid.sql``). For every customer, promotion and for "everything",
this keeps the id of the LAST notified write. Notifying transactions commit in the order their
notifications are delivered (PostgreSQL serializes them with a lock held through commit), and a
replica replays commits in that same order, so a snapshot that shows the last write concerning a
key shows every earlier one too.

A read sent to the replica also returns its snapshot (``pg_current_snapshot()``, in the same
statement; ``gateway.db.snapshot``). The answer is kept when the snapshot shows every
required transaction: committed ``xid`` visible when ``xid < xmin``, or ``xid < xmax`` and not
among the running ones. A transaction left open on the primary by someone else therefore no
longer sends reads back to the primary (where the server lists its running transactions: a hot
standby does not, and there only ``xid < xmin`` counts). Besides single ids, some requirements
are whole primary snapshots ("everything committed before this moment"): the baseline taken when
the listener connects, and this worker's own writes.

Why not ``pg_last_wal_replay_lsn()``: evaluated inside the statement it may be read after the
statement's snapshot was taken, so "replayed past the write" would not prove the snapshot shows
it. The statement's own snapshot does.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.db.snapshot import Snapshot

# Above this many tracked keys the maps fold into the global requirement (bounded memory; the
# global one is at least as strict).
MAX_TRACKED = 100_000


class ReplicaFreshness:
    """The writes a replica snapshot must show, per customer and promotion.

    >>> fresh = ReplicaFreshness()
    >>> fresh.connected(baseline=Snapshot.parse("690:701:690"))
    >>> fresh.apply("c:demo-b2c", 725)
    >>> fresh.shows({"demo-b2c"}, set(), Snapshot.parse("690:730:690"))
    True
    """

    def __init__(self, max_tracked: int = MAX_TRACKED) -> None:
        # False while the change listener is down or before it knows where the primary stands:
        # notifications may be missed, so no replica answer can be vouched for.
        self.ready = False
        self._max_tracked = max_tracked
        self._reset()

    def _reset(self) -> None:
        # Last notified transaction per key, for catalog-wide changes, and of any change at all.
        self.global_xid = 0
        self.latest_xid = 0
        self._customers: dict[str, int] = {}
        self._promotions: dict[str, int] = {}
        # Primary snapshots whose commits must all be visible: globally (the listener's baseline,
        # own writes naming nothing), per key (own writes), and the latest of all of them.
        self.global_horizon = Snapshot(0, 0)
        self.latest_horizon = self.global_horizon
        self._customer_horizons: dict[str, Snapshot] = {}
        self._promotion_horizons: dict[str, Snapshot] = {}

    def listening(self) -> None:
        """The listener is about to LISTEN: forget everything; answers wait for ``connected``."""
        self.ready = False
        self._reset()

    def connected(self, baseline: Snapshot) -> None:
        """The listener listens; ``baseline`` is a primary snapshot taken after LISTEN.

        Every write committed before it is visible in it; every later one is notified.
        """
        self.global_horizon = baseline
        self.latest_horizon = baseline
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
        self.latest_xid = xid
        kind, _, key = change.partition(":")
        if kind == "c" and key:
            self._customers[key] = xid
        elif kind == "p" and key:
            self._promotions[key] = xid
        else:
            self.global_xid = xid
        if len(self._customers) + len(self._promotions) > self._max_tracked:
            # The last notification overall comes after every one of theirs.
            self.global_xid = xid
            self._customers.clear()
            self._promotions.clear()

    def wrote(self, customers: Iterable[str], promotions: Iterable[str], after: Snapshot) -> None:
        """This worker's own write, visible in primary snapshot ``after`` (``all`` if unnamed)."""
        customers, promotions = tuple(customers), tuple(promotions)
        self.latest_horizon = after
        if not customers and not promotions:
            self.global_horizon = after
        for key in customers:
            self._customer_horizons[key] = after
        for key in promotions:
            self._promotion_horizons[key] = after
        if len(self._customer_horizons) + len(self._promotion_horizons) > self._max_tracked:
            self.global_horizon = after  # the latest primary snapshot covers every earlier one
            self._customer_horizons.clear()
            self._promotion_horizons.clear()

    def shows(
        self, tags_customers: Iterable[str], tags_promotions: Iterable[str], snapshot: Snapshot
    ) -> bool:
        """True when a replica ``snapshot`` shows every write that concerns them."""
        if not (
            self.ready
            and snapshot.shows(self.global_xid)
            and snapshot.shows_all_of(self.global_horizon)
        ):
            return False
        for key in tags_customers:
            horizon = self._customer_horizons.get(key)
            if not snapshot.shows(self._customers.get(key, 0)) or (
                horizon is not None and not snapshot.shows_all_of(horizon)
            ):
                return False
        for key in tags_promotions:
            horizon = self._promotion_horizons.get(key)
            if not snapshot.shows(self._promotions.get(key, 0)) or (
                horizon is not None and not snapshot.shows_all_of(horizon)
            ):
                return False
        return True

    def shows_everything(self, snapshot: Snapshot) -> bool:
        """True when a replica ``snapshot`` shows every write notified or made so far.

        For reads whose data is not recorded in cache tags (fields other than the cacheable ones).
        """
        return (
            self.ready
            and snapshot.shows(self.latest_xid)
            and snapshot.shows_all_of(self.latest_horizon)
        )
