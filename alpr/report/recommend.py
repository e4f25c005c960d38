"""Recommendations derived from the year's figures, not boilerplate: each names the figure
that triggered it, the records or equipment concerned, and what to do.
"""

from __future__ import annotations

import pandas as pd

from alpr.health.misreads import wilson
from alpr.report.collect import ReportData

MIN_AVAILABILITY = 0.9
MIN_MODEL_ACCURACY = 0.95
MIN_EVALUATION_PLATES = 300


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _names(df: pd.DataFrame, column: str, n: int = 5) -> str:
    if column not in df:
        return ""
    values = [str(v) for v in df[column].dropna().unique()[:n]]
    return ", ".join(values)


def recommendations(d: ReportData) -> list[str]:
    """One sentence per finding, most serious first; an empty year gets a single note."""
    out: list[str] = []
    s = d.summary.set_index("key")

    def missed(key: str) -> bool:
        return key in s.index and s.loc[key, "meets_target"] is False

    def value(key: str) -> float:
        return float(s.loc[key, "value"])

    if missed("verified_before_action"):
        n = int(s.loc["verified_before_action", "denominator"] or 0) - int(
            s.loc["verified_before_action", "numerator"] or 0)
        out.append(f"{n} hit(s) were acted on without both visual checks and a dispatch/NCIC "
                   f"confirmation recorded first (III.D, IV.B): review them with the operators "
                   f"concerned ({_names(d.exceptions.get('verified_before_action', pd.DataFrame()), 'operator')}) "
                   f"and repeat the verification training.")
    if missed("certified_users"):
        who = _names(d.exceptions.get("certified_users", pd.DataFrame()), "username", 8)
        out.append(f"Only {_pct(value('certified_users'))} of active users hold current training "
                   f"and SLED/NCIC certification (I.A, I.B): renew or deactivate {who}.")
    if missed("cameras_attention"):
        cams = _names(d.exceptions.get("cameras_attention", pd.DataFrame()), "camera", 8)
        out.append(f"{int(value('cameras_attention'))} camera(s) are overdue for an equipment "
                   f"check or in service despite a failed one (II.B): {cams}. Check them and "
                   f"remove any that fail from service.")
    low = d.equipment[d.equipment["availability"] < MIN_AVAILABILITY] if len(d.equipment) else \
        d.equipment
    if len(low):
        worst = low.sort_values("availability").head(5)
        items = ", ".join(f"{r.camera} ({_pct(r.availability)}, {r.days_out_of_service:g} days "
                          f"out)" for r in worst.itertuples())
        out.append(f"{len(low)} camera(s) were available less than {_pct(MIN_AVAILABILITY)} of "
                   f"the year: {items}. Ask the contracted company (II.C, VI.B) for the root "
                   f"causes and consider replacement.")
    if missed("patrol_time"):
        units = _names(d.exceptions.get("patrol_time", pd.DataFrame()), "unit")
        out.append(f"Mobile ALPR was on for {_pct(value('patrol_time'))} of patrol time, below "
                   f"the {_pct(0.95)} target (III.A); shifts short of it were on {units}. "
                   f"Remind operators that the system must be on unless it malfunctions.")
    if missed("current_hotlist") or missed("hotlist_age"):
        out.append(f"{_pct(1 - value('current_hotlist'))} of shifts started without the most "
                   f"current hot list (mean age {value('hotlist_age'):.1f} h) (III.C): make the "
                   f"list download part of the shift-start checklist.")
    if missed("searches_with_case"):
        who = _names(d.exceptions.get("searches_with_case", pd.DataFrame()), "user")
        out.append(f"{_pct(1 - value('searches_with_case'))} of historical searches had no case "
                   f"number (III.E, IV.E), by {who}: require one in the search settings.")
    if missed("manual_past_expiry"):
        who = _names(d.exceptions.get("manual_past_expiry", pd.DataFrame()), "entered_by")
        out.append(f"{int(value('manual_past_expiry'))} manual hot-list entries are past their "
                   f"expiry and still listed (IV.D.2): their owners ({who}) must remove them.")
    if missed("unverified_hits"):
        out.append(f"{int(value('unverified_hits'))} hit(s) have no verification recorded "
                   f"(III.D): close them out or record why no stop followed.")
    if missed("past_retention"):
        out.append(f"{int(value('past_retention')):,} reads are past the retention period and not "
                   f"under a hold (II.A.1): run `alpr retention purge` on a schedule.")
    if missed("approved_shares"):
        out.append("Some data shares have no approved request on file (II.A.4, V.B): review "
                   "them and record the approvals or the disciplinary follow-up.")
    verified = d.verifications.drop(columns=["hits"], errors="ignore").sum().sum() \
        if len(d.verifications) else 0
    if verified:
        wrong = d.verifications[["misread", "wrong_state"]].sum().sum()
        rate = wrong / verified
        _, lo, hi = wilson(int(wrong), int(verified))
        if rate > 0.05:
            out.append(f"{_pct(rate)} of verified hits were misreads or the wrong state "
                       f"(95% CI {_pct(lo)}-{_pct(hi)}, {int(wrong):,} of {int(verified):,}): look "
                       f"at the cameras with the highest rates (equipment-health dashboard) and "
                       f"retrain the OCR model on this year's verified reads (notebook 01).")
    if not d.security["chain_ok"]:
        out.append(f"The audit trail failed verification ({d.security['chain_message']}) "
                   f"(II.A.3): preserve the database, compare with the last exported head hash, "
                   f"and investigate before anything else.")
    if d.security["denied"]:
        top = next(iter(d.security["denied_by_action"].items()))
        out.append(f"{d.security['denied']} attempts were denied by the access-control layer "
                   f"(most: {top[0]}, {top[1]}): review repeated denials for misuse (I.C).")
    acc = (d.model.get("metrics") or {}).get("exact_match_o_folded")
    plates = (d.model.get("data") or {}).get("val_real_crops")
    if acc is not None and acc < MIN_MODEL_ACCURACY:
        out.append(f"The OCR model reads {_pct(acc)} of held-out plates exactly (target "
                   f"{_pct(MIN_MODEL_ACCURACY)}): retrain it (notebook 01) before next year.")
    if plates is not None and plates < MIN_EVALUATION_PLATES:
        out.append(f"The OCR model's accuracy was measured on only {plates} real plates "
                   f"(one plate is {100 / plates:.1f} points): evaluate it on at least "
                   f"{MIN_EVALUATION_PLATES} verified reads from this department's cameras "
                   f"(notebook 02).")
    if not out:
        out.append("Every measured clause met its target this year; keep the current "
                   "procedures and re-evaluate next year.")
    return out

