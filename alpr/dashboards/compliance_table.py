"""The Compliance page's table: one row per metric of
:func:`alpr.governance.compliance.summary` (same keys, clauses and targets), with its value
for the period computed from exactly the records its drill-down shows — so a figure and the
rows behind it can never disagree, and the unit and user filters apply to both.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from alpr.governance.compliance import TARGETS


@dataclass(frozen=True)
class ClauseMetric:
    """A metric over its drill-down records.

    ``kind``: ``share`` = share of records with ``ok`` (no records counts as met, as in the
    summary); ``count`` = records that are violations; ``rate`` = share of records with
    ``outcome == rate_of``; ``mean`` = mean of ``column``; ``hours`` = sum of
    ``active_hours`` over sum of ``patrol_hours``.
    """

    key: str
    clause: str
    metric: str
    kind: str
    rate_of: str = ""
    column: str = ""


CLAUSES: tuple[ClauseMetric, ...] = (
    ClauseMetric("certified_users", "I.A, I.B",
                 "users with current training and certification (at period end)", "share"),
    ClauseMetric("cameras_attention", "II.B", "cameras to remove from service (failing "
                 "diagnostics), overdue for a check, or in service despite a failed one (at "
                 "period end)", "count"),
    ClauseMetric("past_retention", "II.A.1",
                 "reads past retention and not under a hold (at period end)", "count"),
    ClauseMetric("approved_shares", "II.A.4, V.B",
                 "data shares logged with purpose under an approved request", "share"),
    ClauseMetric("patrol_time", "III.A", "mobile patrol time with ALPR on", "hours"),
    ClauseMetric("searches_with_case", "III.E, IV.E",
                 "historical searches with purpose and case number", "share"),
    ClauseMetric("current_hotlist", "III.C", "shifts started with a current hot list",
                 "share"),
    ClauseMetric("hotlist_age", "III.C", "mean hot-list age at shift start (hours)", "mean",
                 column="hotlist_age_hours"),
    ClauseMetric("verified_before_action", "III.D, IV.B", "hits acted on with characters, "
                 "state and confirmation verified first", "share"),
    ClauseMetric("unverified_hits", "III.D", "hits not yet verified", "count"),
    ClauseMetric("misread_rate", "III.D.1", "verified hits that were misreads", "rate",
                 "misread"),
    ClauseMetric("wrong_state_rate", "III.D.1", "verified hits with the wrong state", "rate",
                 "wrong_state"),
    ClauseMetric("manual_past_expiry", "IV.D.2",
                 "manual entries past expiry and not removed (at period end)", "count"),
)
BY_KEY = {c.key: c for c in CLAUSES}


def value(metric: ClauseMetric, records: pd.DataFrame, count: int | None = None) -> float:
    """The metric's value over its records (``count`` overrides for count-only metrics).

    >>> value(BY_KEY["searches_with_case"], pd.DataFrame({"ok": [True, True, False, True]}))
    0.75
    >>> value(BY_KEY["patrol_time"], pd.DataFrame({"active_hours": [7.0, 8.0],
    ...                                            "patrol_hours": [8.0, 8.0]}))
    0.9375
    """
    if count is not None:
        return float(count)
    n = len(records)
    if metric.kind == "share":
        return float(records["ok"].astype(bool).sum()) / n if n else 1.0
    if metric.kind == "rate":
        return float((records["outcome"] == metric.rate_of).sum()) / n if n else 0.0
    if metric.kind == "mean":
        return float(records[metric.column].mean()) if n else 0.0
    if metric.kind == "hours":
        patrol = float(records["patrol_hours"].sum()) if n else 0.0
        return float(records["active_hours"].sum()) / patrol if patrol > 0 else 1.0
    if "ok" in records:
        return float((~records["ok"].astype(bool)).sum())
    return float(n)


def status(key: str, v: float) -> tuple[str, str]:
    """(target as shown, status) from the governance layer's targets."""
    target, kind = TARGETS[key]
    if target is None or kind == "info":
        return "monitor", "monitor"
    if key in ("certified_users", "searches_with_case", "current_hotlist",
               "verified_before_action", "approved_shares", "patrol_time"):
        shown = f"≥ {target:.0%}"
    else:
        shown = f"≤ {target:g}"
    met = v >= target - 1e-12 if kind == "min" else v <= target + 1e-12
    return shown, "met" if met else "NOT MET"


def table(records: dict[str, pd.DataFrame], counts: dict[str, int]) -> pd.DataFrame:
    """One row per metric: clause, metric, value, target, status and the records behind it."""
    rows = []
    for m in CLAUSES:
        recs = records.get(m.key, pd.DataFrame())
        v = value(m, recs, counts.get(m.key))
        shown = (f"{v:.1%}" if m.kind in ("share", "rate", "hours")
                 else f"{v:.1f}" if m.kind == "mean" else f"{int(v):,}")
        target, state = status(m.key, v)
        rows.append({"clause": m.clause, "metric": m.metric, "value": shown, "target": target,
                     "status": state, "records": counts.get(m.key, len(recs)),
                     "key": m.key, "raw_value": v})
    return pd.DataFrame(rows)
