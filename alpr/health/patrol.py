"""Mobile units on patrol: was the ALPR on for the shift, and did it read anything?

Per shift of a unit: the share of the shift covered by the camera's recorded sessions (the
ALPR switched on), and the reads it produced while on. A unit switched off part-way through
the patrol shows low coverage; a unit that is on but reads nothing has failed. Shifts while
the camera was out of service (an open malfunction or damage report) are not judged. Pure
functions over DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def patrol_findings(shifts: pd.DataFrame, sessions: pd.DataFrame, reads: pd.DataFrame,
                    outages: pd.DataFrame | None = None,
                    cfg: PatrolConfig | None = None) -> list[PatrolFinding]:
    """Findings per (unit camera, shift).

    ``shifts``: camera, started_at, ended_at (the unit's camera; shifts not yet ended are
    skipped). ``sessions``: camera, started_at, ended_at. ``reads``: camera, read_at.
    ``outages``: camera, from, until (until may be NaT: still out of service).
    """
    cfg = cfg or PatrolConfig()
    found: list[PatrolFinding] = []
    if shifts.empty:
        return found
    sh = shifts.dropna(subset=["ended_at"]).copy()
    sh["started_at"], sh["ended_at"] = _utc(sh["started_at"]), _utc(sh["ended_at"])
    ses = sessions.copy()
    if not ses.empty:
        ses["started_at"] = _utc(ses["started_at"])
        ses["ended_at"] = _utc(ses["ended_at"]).fillna(pd.Timestamp.max.tz_localize("UTC"))
    rd = reads[["camera", "read_at"]].copy()
    rd["read_at"] = _utc(rd["read_at"])
    out = outages.copy() if outages is not None else pd.DataFrame(
        columns=["camera", "from", "until"])
    for row in sh.sort_values(["camera", "started_at"]).itertuples(index=False):
        cam, a, b = row.camera, row.started_at, row.ended_at
        o = out[out["camera"] == cam]
        if not o.empty and ((_utc(o["from"]) < b) & (_utc(o["until"]).isna()
                                                   | (_utc(o["until"]) > a))).any():
            continue  # out of service during the shift: not expected to read
        hours = (b - a).total_seconds() / 3600
        if hours <= 0:
            continue
        s = ses[ses["camera"] == cam] if not ses.empty else ses
        on = 0.0
        last_off = None
        if not s.empty:
            lo = s["started_at"].clip(lower=a)
            hi = s["ended_at"].clip(upper=b)
            span = (hi - lo).dt.total_seconds().clip(lower=0)
            on = float(span.sum()) / 3600
            if on > 0:
                last_off = hi[span > 0].max()
        n = int(((rd["camera"] == cam) & (rd["read_at"] >= a) & (rd["read_at"] < b)).sum())
        day = a.date().isoformat()
        if on < cfg.min_coverage * hours:
            when = (f"; last on until {last_off:%H:%M}, {(b - last_off).total_seconds() / 3600:.1f}"
                    f" h before the shift ended" if last_off is not None else "")
            found.append(PatrolFinding(cam, day, "switched_off",
                                       f"ALPR on for {on:.1f} h of a {hours:.1f} h patrol shift "
                                       f"on {day}{when} (switched off during patrol)"))
        elif n < cfg.min_reads_per_hour * on:
            found.append(PatrolFinding(cam, day, "no_reads",
                                       f"{n} reads in {on:.1f} h with the ALPR on, on {day}: "
                                       f"the unit is not reading (malfunction?)"))
    return found
