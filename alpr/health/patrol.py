"""Mobile units on patrol: was the ALPR on for the shift, and did it read anything?

Per shift of a unit: the share of the shift covered by the camera's recorded sessions (the
ALPR switched on), and the reads it produced while on. A unit switched off part-way through
the patrol shows low coverage; a unit that is on but reads nothing has failed. Shifts while
the camera was out of service (an open malfunction or damage report) are not judged. Pure
functions over DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PatrolConfig:
    min_coverage: float = 0.75  # share of the shift with the ALPR on
    min_reads_per_hour: float = 1.0  # while on

    def __post_init__(self) -> None:
        if not 0 < self.min_coverage <= 1:
            raise ValueError(f"min_coverage {self.min_coverage!r}: must be in (0, 1]")
        if self.min_reads_per_hour < 0:
            raise ValueError(f"min_reads_per_hour {self.min_reads_per_hour!r}: must be >= 0")


@dataclass(frozen=True)
class PatrolFinding:
    camera: str
    day: str
    kind: str  # switched_off | no_reads
    reason: str


def _utc(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True)


_NEVER = np.iinfo(np.int64).max  # an open session or outage: until the end of time


def _ns(s: pd.Series, missing: int = _NEVER) -> np.ndarray:
    """Times as int64 nanoseconds since the epoch (UTC); missing times become ``missing``."""
    t = _utc(s)
    out = t.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    out[t.isna().to_numpy()] = missing
    return out


def _by_camera(df: pd.DataFrame, cols: list[str]) -> dict[str, list[np.ndarray]]:
    """Per camera, each of ``cols`` as int64 ns, sorted by the first."""
    out: dict[str, list[np.ndarray]] = {}
    if df.empty:
        return out
    arrays = [_ns(df[c]) for c in cols]
    cams = df["camera"].astype(str).to_numpy()
    order = np.lexsort((arrays[0], cams))
    cams, arrays = cams[order], [a[order] for a in arrays]
    names, first = np.unique(cams, return_index=True)
    bounds = [*first[1:], len(cams)]
    for name, lo, hi in zip(names, first, bounds, strict=True):
        out[str(name)] = [a[lo:hi] for a in arrays]
    return out


def _stamp(ns: int) -> pd.Timestamp:
    return pd.Timestamp(ns, tz="UTC")


def patrol_findings(shifts: pd.DataFrame, sessions: pd.DataFrame, reads: pd.DataFrame,
                    outages: pd.DataFrame | None = None,
                    cfg: PatrolConfig | None = None) -> list[PatrolFinding]:
    """Findings per (unit camera, shift), in camera then shift order.

    ``shifts``: camera, started_at, ended_at (the unit's camera; shifts not yet ended are
    skipped). ``sessions``: camera, started_at, ended_at. ``reads``: camera, read_at.
    ``outages``: camera, from, until (until may be NaT: still out of service).

    Each camera's sessions and reads are sorted once and every shift looks up only its own
    span of them (binary search), so the cost grows with the records, not with shifts times
    records.
    """
    cfg = cfg or PatrolConfig()
    found: list[PatrolFinding] = []
    if shifts.empty:
        return found
    sh = shifts.dropna(subset=["ended_at"])
    shift_ns = _by_camera(sh, ["started_at", "ended_at"])
    session_ns = _by_camera(sessions, ["started_at", "ended_at"])
    read_ns = {cam: a[0] for cam, a in _by_camera(reads[["camera", "read_at"]],
                                                    ["read_at"]).items()}
    outage_ns = _by_camera(outages, ["from", "until"]) if outages is not None else {}
    empty = np.empty(0, dtype=np.int64)
    for cam, (starts, ends) in shift_ns.items():
        s_from, s_to = session_ns.get(cam, [empty, empty])
        still_on = s_to == _NEVER
        open_from, s_from, s_to = s_from[still_on], s_from[~still_on], s_to[~still_on]
        longest = int((s_to - s_from).max()) if len(s_from) else 0
        o_from, o_until = outage_ns.get(cam, [empty, empty])
        times = read_ns.get(cam, empty)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            if ((o_from < b) & (o_until > a)).any():
                continue  # out of service during the shift: not expected to read
            hours = (b - a) / 3.6e12
            if hours <= 0:
                continue
            lo, hi = np.searchsorted(s_from, [a - longest, b], side="left")
            seg_to = np.minimum(s_to[lo:hi], b)
            span = np.clip(seg_to - np.maximum(s_from[lo:hi], a), 0, None)
            open_span = np.clip(b - np.maximum(open_from[open_from < b], a), 0, None)
            on = (float(span.sum()) + float(open_span.sum())) / 3.6e12
            last = [int(seg_to[span > 0].max())] if (span > 0).any() else []
            if (open_span > 0).any():
                last.append(b)
            n = int(np.searchsorted(times, b, side="left") - np.searchsorted(times, a, "left"))
            day = _stamp(a).date().isoformat()
            if on < cfg.min_coverage * hours:
                when = ""
                if last:
                    off = _stamp(max(last))
                    when = (f"; last on until {off:%H:%M}, "
                            f"{(_stamp(b) - off).total_seconds() / 3600:.1f} h before the "
                            f"shift ended")
                found.append(PatrolFinding(cam, day, "switched_off",
                                           f"ALPR on for {on:.1f} h of a {hours:.1f} h patrol "
                                           f"shift on {day}{when} (switched off during patrol)"))
            elif n < cfg.min_reads_per_hour * on:
                found.append(PatrolFinding(cam, day, "no_reads",
                                           f"{n} reads in {on:.1f} h with the ALPR on, on {day}: "
                                           f"the unit is not reading (malfunction?)"))
    return found
