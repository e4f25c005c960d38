"""Monthly time partitions of ``reads`` on PostgreSQL (declarative range partitioning).

A year of a 30-camera department is ~10 M reads; partitioning by month keeps each month's
indexes small and lets retention drop a whole expired month (``DROP TABLE``) instead of
deleting millions of rows. SQLite has no partitions: every function here is a no-op there.

Partitions are named ``reads_yYYYYmMM`` and cover ``[first of month, first of next month)``
in UTC; ``reads_default`` catches rows for months nobody created yet (ingestion creates the
months it writes, so it stays empty in practice).
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

DEFAULT = "reads_default"
_NAME = re.compile(r"^reads_y(\d{4})m(\d{2})$")


@dataclass(frozen=True)
class Partition:
    name: str
    start: dt.datetime  # inclusive, UTC
    end: dt.datetime  # exclusive, UTC


def month_of(ts: dt.datetime) -> Partition:
    """The partition holding ``ts``.

    >>> month_of(dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC)).name
    'reads_y2026m12'
    """
    ts = ts.astimezone(dt.UTC) if ts.tzinfo else ts.replace(tzinfo=dt.UTC)
    start = dt.datetime(ts.year, ts.month, 1, tzinfo=dt.UTC)
    end = dt.datetime(ts.year + ts.month // 12, ts.month % 12 + 1, 1, tzinfo=dt.UTC)
    return Partition(f"reads_y{start.year:04d}m{start.month:02d}", start, end)


def is_partitioned(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.scalar(text(
        "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = 'reads' AND c.relnamespace = current_schema()::regnamespace")))


def partitions(conn: Connection) -> list[Partition]:
    """The monthly partitions of ``reads``, oldest first (the default one excluded)."""
    if not is_partitioned(conn):
        return []
    names = conn.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'reads'::regclass")).all()
    out = []
    for name in names:
        m = _NAME.match(name)
        if m:
            out.append(month_of(dt.datetime(int(m[1]), int(m[2]), 1, tzinfo=dt.UTC)))
    return sorted(out, key=lambda p: p.start)


def create_partition(conn: Connection, part: Partition) -> None:
    conn.execute(text(
        f"CREATE TABLE IF NOT EXISTS {part.name} PARTITION OF reads "
        f"FOR VALUES FROM ('{part.start.isoformat()}') TO ('{part.end.isoformat()}')"))


# Partition names seen per engine in this process. Keyed by the engine, not its URL: a store
# dropped and created again at the same URL (a restore, a test's fresh database) is met with a
# new engine, which must look again; a name remembered from the old store would send its rows
# to reads_default instead of creating their month.
_known: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()


def ensure_partitions(conn: Connection, times: Iterable[dt.datetime]) -> list[str]:
    """Create the monthly partitions that rows at ``times`` will need; returns new names.

    Cheap to call per batch: months already seen through this engine are skipped without a
    query.
    """
    if conn.dialect.name != "postgresql":
        return []
    known = _known.setdefault(conn.engine, set())
    wanted = {month_of(t) for t in times}
    todo = [p for p in wanted if p.name not in known]
    if not todo or not is_partitioned(conn):
        return []
    existing = {p.name for p in partitions(conn)}
    created = []
    for part in sorted(todo, key=lambda p: p.start):
        if part.name not in existing:
            # Serialise creators: two ingesting processes may want the same new month.
            conn.execute(text("SELECT pg_advisory_xact_lock(140300)"))
            if part.name not in {p.name for p in partitions(conn)}:
                create_partition(conn, part)
                created.append(part.name)
        known.add(part.name)
    return created


def forget_cache() -> None:
    """Forget which partitions exist (after a partition was dropped)."""
    _known.clear()
