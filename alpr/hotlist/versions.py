"""Hot-list versions: each load of a list is recorded with its file hash, row counts and
load time, so a shift start can state which version it runs and how old it is (policy III.C).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_MAX_AGE = dt.timedelta(hours=24)


@dataclass(frozen=True)
class ListVersion:
    """One load of one hot-list source."""

    source: str  # the list's name, e.g. the file name "ncic_extract.txt"
    sha256: str  # of the file bytes: two loads of the same content have the same hash
    format: str  # "ncic" or "csv" (or "manual")
    loaded_at: dt.datetime
    rows_read: int  # data rows (not comments or blank lines)
    rows_loaded: int  # entries after merging duplicates
    rows_rejected: int
    duplicates_merged: int

    def age(self, now: dt.datetime) -> dt.timedelta:
        return now - self.loaded_at

    def summary(self) -> str:
        """One line for logs and shift-start records.

        >>> v = ListVersion("ncic.txt", "ab" * 32, "ncic", dt.datetime(2024, 5, 1, 6, 0,
        ...                 tzinfo=dt.UTC), 10, 8, 1, 1)
        >>> v.summary()
        'ncic.txt sha256:abababababab loaded 2024-05-01T06:00:00+00:00: 10 rows, 8 entries, 1 rejected, 1 duplicates merged'
        """
        return (f"{self.source} sha256:{self.sha256[:12]} loaded "
                f"{self.loaded_at.isoformat(timespec='seconds')}: {self.rows_read} rows, "
                f"{self.rows_loaded} entries, {self.rows_rejected} rejected, "
                f"{self.duplicates_merged} duplicates merged")


@dataclass(frozen=True)
class Freshness:
    """Whether a version is the current one of its source, and young enough for a shift."""

    version: ListVersion
    age: dt.timedelta
    is_latest: bool
    max_age: dt.timedelta

    @property
    def is_current(self) -> bool:
        return self.is_latest and self.age <= self.max_age

    def message(self) -> str:
        """Plain words for the operator.

        >>> t = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)
        >>> v = ListVersion("ncic.txt", "0" * 64, "ncic", t, 1, 1, 0, 0)
        >>> freshness(v, [v], now=t + dt.timedelta(hours=30)).message()
        'ncic.txt: loaded 1 d 6 h ago, older than the 1 d 0 h allowed: load a current list'
        """
        age = describe_age(self.age)
        if not self.is_latest:
            return (f"{self.version.source}: loaded {age} ago, but a newer version exists: "
                    f"switch to it")
        if self.age > self.max_age:
            return (f"{self.version.source}: loaded {age} ago, older than the "
                    f"{describe_age(self.max_age)} allowed: load a current list")
        return f"{self.version.source}: current (loaded {age} ago)"


def describe_age(age: dt.timedelta) -> str:
    """Ages in days, hours and minutes, coarsest two units.

    >>> describe_age(dt.timedelta(minutes=95)), describe_age(dt.timedelta(days=2, hours=1))
    ('1 h 35 min', '2 d 1 h')
    """
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def latest_versions(versions: Iterable[ListVersion]) -> dict[str, ListVersion]:
    """The newest load of each source."""
    out: dict[str, ListVersion] = {}
    for v in versions:
        if v.source not in out or v.loaded_at > out[v.source].loaded_at:
            out[v.source] = v
    return out


def freshness(version: ListVersion, known: Iterable[ListVersion], now: dt.datetime,
              max_age: dt.timedelta = DEFAULT_MAX_AGE) -> Freshness:
    """Is ``version`` the newest of its source among ``known``, and how old is it at ``now``?"""
    latest = latest_versions([*known, version])[version.source]
    return Freshness(version=version, age=version.age(now),
                     is_latest=latest.loaded_at <= version.loaded_at, max_age=max_age)
