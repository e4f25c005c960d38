"""Recommendations derived from the year's figures, not boilerplate: each cites the figures
that triggered it (counts out of their totals, the rate and its interval), names the records,
people, list entries or equipment concerned, and says what to do. Metrics with no records in
the year are neither met nor missed: one recommendation lists them.
"""

from __future__ import annotations

import pandas as pd

from alpr.governance.compliance_metrics import metric
from alpr.health.misreads import OCR_ERRORS, wilson
from alpr.report.collect import ReportData

MIN_AVAILABILITY = 0.9
MIN_MODEL_ACCURACY = 0.95
MIN_EVALUATION_PLATES = 300
MAX_OCR_ERROR_RATE = 0.05  # recognizer misreads among verified hits before retraining


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _names(df: pd.DataFrame | None, column: str, n: int = 5) -> str:
    if df is None or column not in df:
        return ""
    values = [str(v) for v in df[column].dropna().unique()]
    more = f" and {len(values) - n} more" if len(values) > n else ""
    return ", ".join(values[:n]) + more


def _of(num: float, den: float, what: str) -> str:
    """'3 of 40 searches (7.5%)'."""
    return f"{int(num):,} of {int(den):,} {what} ({_pct(num / den)})" if den else \
        f"{int(num):,} {what}"


def recommendations(d: ReportData) -> list[str]:
    """One sentence per finding, most serious first; an empty year gets a single note."""
    out: list[str] = []
    s = d.summary.set_index("key")

    def missed(key: str) -> bool:
        return key in s.index and s.loc[key, "status"] == "NOT MET"

    def num(key: str) -> float:
        return float(s.loc[key, "numerator"] or 0)

    def den(key: str) -> float:
        v = s.loc[key, "denominator"]
        return 0.0 if v is None or pd.isna(v) else float(v)

    def exc(key: str) -> pd.DataFrame | None:
        return d.exceptions.get(key)

    if not d.security["chain_ok"]:
        out.append(f"The audit trail failed verification ({d.security['chain_message']}) "
                   f"(II.A.3): preserve the database, compare with the last exported head hash, "
                   f"and investigate before anything else.")
    if missed("verified_before_action"):
        bad = den("verified_before_action") - num("verified_before_action")
        out.append(f"{_of(bad, den('verified_before_action'), 'hits acted on')} had no record "
                   f"of both visual checks and a dispatch/NCIC confirmation first (III.D, IV.B): "
                   f"review them with the operators concerned "
                   f"({_names(exc('verified_before_action'), 'operator')}) and repeat the "
                   f"verification training.")
    if missed("certified_users"):
        bad = den("certified_users") - num("certified_users")
        who = _names(exc("certified_users"), "username", 8)
        out.append(f"{_of(bad, den('certified_users'), 'active users')} lack current training "
                   f"or SLED/NCIC certification (I.A, I.B): renew or deactivate {who}.")
    if missed("cameras_attention"):
        cams = _names(exc("cameras_attention"), "camera", 8)
        out.append(f"{_of(num('cameras_attention'), den('cameras_attention'), 'cameras')} "
                   f"are to be removed from service, overdue for an equipment check or in "
                   f"service despite a failed one (II.B): {cams}. Check them and remove any "
                   f"that fail from service.")
    low = (d.equipment[d.equipment["availability"] < MIN_AVAILABILITY]
           if len(d.equipment) and "availability" in d.equipment else d.equipment.iloc[0:0])
    if len(low):
        worst = low.sort_values("availability").head(5)
        items = ", ".join(f"{r.camera} ({_pct(r.availability)}, {r.days_out_of_service:g} days "
                          f"out)" for r in worst.itertuples())
        out.append(f"{len(low)} of {len(d.equipment)} cameras were available less than "
                   f"{_pct(MIN_AVAILABILITY)} of the period: {items}. Ask the contracted "
                   f"company (II.C, VI.B) for the root causes and consider replacement.")
    if missed("acted_documented"):
        bad = den("acted_documented") - num("acted_documented")
        ids = _names(exc("acted_documented"), "hit_id", 8)
        out.append(f"{_of(bad, den('acted_documented'), 'hits acted on')} have no evidence "
                   f"package exported (II.A.2): export them (`alpr evidence export --hit ID`; "
                   f"hits {ids}) and make the export part of closing a stop.")
    out.extend(_patrol(d, missed("patrol_time"), num("patrol_time"), den("patrol_time")))
    if missed("current_hotlist") or missed("hotlist_age"):
        bad = den("current_hotlist") - num("current_hotlist")
        age = s.loc["hotlist_age", "value"]
        out.append(f"{_of(bad, den('current_hotlist'), 'shifts')} started without the most "
                   f"current hot list (mean age at shift start "
                   f"{'no data' if pd.isna(age) else f'{float(age):.1f} h'}; target at most "
                   f"{metric('hotlist_age').target:g} h) (III.C), by "
                   f"{_names(exc('current_hotlist'), 'operator')}: make the list download "
                   f"part of the shift-start checklist.")
    if missed("searches_with_case"):
        bad = den("searches_with_case") - num("searches_with_case")
        who = _names(exc("searches_with_case"), "user")
        out.append(f"{_of(bad, den('searches_with_case'), 'historical searches')} had no "
                   f"case number (III.E, IV.E), by {who}: require one in the search settings.")
    if missed("manual_past_expiry"):
        who = _names(exc("manual_past_expiry"), "entered_by")
        out.append(f"{_of(num('manual_past_expiry'), den('manual_past_expiry'), 'manual hot-list entries')} "
                   f"are past their expiry and still listed (IV.D.2): their owners ({who}) "
                   f"must remove them.")
    if missed("unverified_hits"):
        out.append(f"{_of(num('unverified_hits'), den('unverified_hits'), 'hits')} have no "
                   f"verification recorded (III.D): close them out or record why no stop "
                   f"followed.")
    if missed("past_retention"):
        out.append(f"{int(num('past_retention')):,} reads are past the retention period and "
                   f"not under a hold (II.A.1): run `alpr retention purge` on a schedule.")
    if missed("approved_shares"):
        bad = den("approved_shares") - num("approved_shares")
        out.append(f"{_of(bad, den('approved_shares'), 'data shares')} have no approved "
                   f"request on file (II.A.4, V.B), by "
                   f"{_names(exc('approved_shares'), 'shared_by')}: review them and record the "
                   f"approvals or the disciplinary follow-up.")
    out.extend(_hit_errors(d))
    findings = len(out)
    if d.security["denied"]:
        top = next(iter(d.security["denied_by_action"].items()))
        out.append(f"{d.security['denied']:,} attempts were denied by the access-control layer "
                   f"(most: {top[0]}, {top[1]:,}): review repeated denials for misuse (I.C).")
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
    empty = d.summary[d.summary["status"] == "no data"]
    judged = d.summary[d.summary["status"].isin(("met", "NOT MET"))]
    if not len(judged):
        out.append(f"No measure had records in {d.year}: nothing can be judged met or missed. "
                   f"Check that the system's records are being kept.")
    elif not findings:
        out.insert(0, f"Every measured clause met its target this year ({len(judged)} of "
                      f"{len(judged)} with data); keep the current procedures and re-evaluate "
                      f"next year.")
    if len(empty) and len(judged):
        items = "; ".join(f"{r.clause}: {r.metric}" for r in empty.itertuples())
        out.append(f"{len(empty)} of {len(d.summary)} measures had no records in {d.year} and "
                   f"are neither met nor missed ({items}). Check that these records are being "
                   f"kept before relying on them.")
    return out


def _patrol(d: ReportData, missed: bool, active: float, judged: float) -> list[str]:
    """III.A: who was short and why, apart from units that were on but not reading (a
    malfunction to report, not an operator to remind); exempt shifts are not held against
    anyone."""
    if not missed:
        return []
    short = d.exceptions.get("patrol_time", pd.DataFrame())
    out = []
    not_reading = short[(short["on_hours"] - short["active_hours"]) > 0.5] if len(short) else short
    switched_off = short.drop(index=not_reading.index) if len(short) else short
    exempt = f"; {len(d.exempt_shifts)} shift(s) were exempt for a reported malfunction and " \
             f"are not counted" if len(d.exempt_shifts) else ""
    head = (f"Mobile ALPR was on and reading for {active:,.1f} h of {judged:,.1f} h of patrol "
            f"judged ({_pct(active / judged) if judged else 'no data'}; target "
            f"{_pct(metric('patrol_time').target or 0.95)}) (III.A){exempt}.")
    if len(switched_off):
        who = ", ".join(f"{r.operator} ({r.unit}, {pd.Timestamp(r.started_at):%Y-%m-%d}: "
                        f"{r.active_hours:.1f} of {r.judged_hours:.1f} h)"
                        for r in switched_off.head(5).itertuples())
        out.append(f"{head} {len(switched_off)} shift(s) had the ALPR switched off for part of "
                   f"the patrol: {who}. Remind these operators that the system must be on "
                   f"unless it malfunctions.")
        head = "Also under III.A:"
    if len(not_reading):
        units = ", ".join(f"{r.unit} ({pd.Timestamp(r.started_at):%Y-%m-%d}: on "
                          f"{r.on_hours:.1f} h, reading {r.active_hours:.1f} h)"
                          for r in not_reading.head(5).itertuples())
        out.append(f"{head} {len(not_reading)} shift(s) had the ALPR on but not reading: "
                   f"{units}. Treat them as malfunctions: report them (VI.A.4, VI.B.2) so the "
                   f"unit is repaired and the shifts are exempt.")
    return out


def _hit_errors(d: ReportData) -> list[str]:
    """The recognizer's misreads (retrain) apart from wrong hot-list entries (fix the list at
    its source), each with its count out of the verified hits."""
    verified = int(d.verifications.drop(columns=["hits"], errors="ignore").sum().sum()) \
        if len(d.verifications) else 0
    if not verified:
        return []
    out = []
    causes = d.causes.sum() if len(d.causes) else pd.Series(dtype=int)
    ocr = int(sum(causes.get(k, 0) for k in OCR_ERRORS))
    if ocr and ocr / verified > MAX_OCR_ERROR_RATE:
        _, lo, hi = wilson(ocr, verified)
        split = (f"characters {int(causes.get('ocr_characters', 0)):,}, "
                 f"state {int(causes.get('ocr_state', 0)):,}")
        out.append(f"The recognizer misread {_of(ocr, verified, 'verified hits')} (95% CI "
                   f"{_pct(lo)}-{_pct(hi)}; {split}), above {_pct(MAX_OCR_ERROR_RATE)}: look "
                   f"at the cameras with the highest rates (Misreads page) and retrain the OCR "
                   f"model on this year's verified reads (notebook 01).")
    wrong = d.wrong_entries[d.wrong_entries["error"].isin(("wrong_entry", "near_match"))] \
        if len(d.wrong_entries) else d.wrong_entries
    if len(wrong):  # one line per entry (and the state the vehicles carried)
        wrong = wrong.groupby(["listed_plate", "listed_state", "list_source", "category"],
                              dropna=False, sort=False).agg(
            hits=("hits", "sum"),
            read_state=("read_state", lambda s: ", ".join(sorted({str(v) for v in s.dropna()})))
        ).reset_index().sort_values("hits", ascending=False, kind="stable")
    if len(wrong):
        n = int(wrong["hits"].sum())
        items = ", ".join(
            f"{r.listed_plate} listed as {r.listed_state or 'any state'} (vehicle "
            f"{r.read_state or '?'}; {r.list_source}, {r.category}: {r.hits:,} hit{'s' if r.hits != 1 else ''})"
            for r in wrong.head(5).itertuples())
        more = f" and {len(wrong) - 5} more" if len(wrong) > 5 else ""
        out.append(f"{_of(n, verified, 'verified hits')} were on wrong hot-list entries: the "
                   f"read matched the vehicle (as the officer saw it) and the list was wrong, "
                   f"not the recognizer. Correct these entries at their source (III.C): "
                   f"{items}{more}.")
    return out
