"""The Compliance page's table: one row per policy clause, its value for the period, the
target, and whether it is met — computed from the same records the drill-down shows, so a
figure and the rows behind it can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ClauseMetric:
    """A metric over its drill-down records.

    ``kind``: ``share`` = share of records with ``ok`` (target 100 %; no records counts as
    met, as in :func:`alpr.governance.compliance.summary`); ``count`` = records that are
    violations (target 0); ``rate`` = share of records with ``outcome == rate_of`` (monitored,
    no fixed target).
    """

    key: str
    clause: str
    metric: str
    kind: str
    rate_of: str = ""


CLAUSES: tuple[ClauseMetric, ...] = (
    ClauseMetric("certified", "I.A, I.B",
                 "users with current training and certification (at period end)", "share"),
    ClauseMetric("cameras", "II.B", "cameras overdue for a check or in service despite a "
                 "failed one (at period end)", "count"),
    ClauseMetric("retention", "II.A.1",
                 "reads past retention and not under a hold (at period end)", "count"),
    ClauseMetric("searches", "III.E, IV.E",
                 "historical searches with purpose and case number", "share"),
    ClauseMetric("shifts", "III.C", "shifts started with a current hot list", "share"),
    ClauseMetric("actions", "III.D, IV.B", "hits acted on with characters, state and "
                 "confirmation verified first", "share"),
    ClauseMetric("unverified", "III.D", "hits not yet verified", "count"),
    ClauseMetric("misreads", "III.D.1", "verified hits that were misreads", "rate", "misread"),
    ClauseMetric("wrong_state", "III.D.1", "verified hits with the wrong state", "rate",
                 "wrong_state"),
    ClauseMetric("manual", "IV.D.2",
                 "manual entries past expiry and not removed (at period end)", "count"),
)
BY_KEY = {c.key: c for c in CLAUSES}


def value(metric: ClauseMetric, records: pd.DataFrame, count: int | None = None) -> float:
    """The metric's value over its records (``count`` overrides for count-only metrics).

    >>> m = BY_KEY["searches"]
    >>> value(m, pd.DataFrame({"ok": [True, True, False, True]}))
    0.75
    """
    if count is not None:
        return float(count)
    n = len(records)
    if metric.kind == "share":
        return float(records["ok"].astype(bool).sum()) / n if n else 1.0
    if metric.kind == "rate":
        return float((records["outcome"] == metric.rate_of).sum()) / n if n else 0.0
    if "ok" in records:
        return float((~records["ok"].astype(bool)).sum())
    return float(n)


def table(records: dict[str, pd.DataFrame], counts: dict[str, int]) -> pd.DataFrame:
    """One row per clause: metric, value, target, status and how many records lie behind it."""
    rows = []
    for m in CLAUSES:
        recs = records.get(m.key, pd.DataFrame())
        v = value(m, recs, counts.get(m.key))
        if m.kind == "share":
            target, met = "100%", v >= 1.0
            shown = f"{v:.1%}"
        elif m.kind == "count":
            target, met = "0", v == 0
            shown = f"{int(v):,}"
        else:
            target, met = "monitor", None
            shown = f"{v:.1%}"
        status = "monitor" if met is None else ("met" if met else "NOT MET")
        rows.append({"clause": m.clause, "metric": m.metric, "value": shown, "target": target,
                     "status": status, "records": counts.get(m.key, len(recs)),
                     "key": m.key, "raw_value": v})
    return pd.DataFrame(rows)
