"""One severity scale for equipment health, from the diagnostics to every page and report.

The diagnostics (:mod:`alpr.health.report`) give each camera a status: ``fail``, ``warn`` or
``ok``. Policy II.B asks that a camera outside expected function be removed from service, so
a ``fail`` on a camera still in service is the most urgent thing an administrator can see:

====================  =========================================================  ========
severity              when                                                       action
====================  =========================================================  ========
remove from service   diagnostics ``fail`` and the camera is still in service    II.B
attention             diagnostics ``warn``, or a record problem (check overdue,
                      open report, no reads) while in service
out of service        already removed (its reason and repair are on record)
ok                    nothing found
====================  =========================================================  ========

Every page, the compliance metric and the annual report take their labels, order and colours
from here, so "remove from service" means one thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Severity:
    key: str  # remove | attention | out_of_service | ok
    label: str  # what a page shows
    rank: int  # 0 is the most urgent
    colour: str  # background of the status cell
    action: str  # what to do, in a few words
    clause: str  # policy clause behind the action ('' when none)


REMOVE = Severity("remove", "remove from service", 0, "#F4C7B8",
                  "remove from service now", "II.B")
ATTENTION = Severity("attention", "attention", 1, "#FBE3B0",
                     "inspect at the next equipment check", "II.B")
OUT_OF_SERVICE = Severity("out_of_service", "out of service", 2, "#D9D9D9",
                          "return only after repair and a passing check", "II.B")
OK = Severity("ok", "ok", 3, "#FFFFFF", "keep in service", "")

SCALE = (REMOVE, ATTENTION, OUT_OF_SERVICE, OK)
BY_LABEL = {s.label: s for s in SCALE}
BY_KEY = {s.key: s for s in SCALE}


def classify(status: str, in_service: bool, record_problems: bool = False) -> Severity:
    """The severity of a camera from its diagnostics ``status`` (ok | warn | fail), whether
    it is in service, and whether its records show a problem (check overdue, open report,
    no reads) that the diagnostics do not.

    >>> [classify(s, True).label for s in ("fail", "warn", "ok")]
    ['remove from service', 'attention', 'ok']
    >>> classify("fail", False).label, classify("ok", True, record_problems=True).label
    ('out of service', 'attention')
    """
    if status not in ("ok", "warn", "fail"):
        raise ValueError(f"status {status!r}: must be ok, warn or fail")
    if not in_service:
        return OUT_OF_SERVICE
    if status == "fail":
        return REMOVE
    if status == "warn" or record_problems:
        return ATTENTION
    return OK


def must_remove(status: str, in_service: bool) -> bool:
    """Whether policy II.B requires taking the camera out of service now: it fails its
    diagnostics and is still in service."""
    return classify(status, in_service) is REMOVE


def recommendation(status: str, in_service: bool, out_of_service_reason: str | None = None
                   ) -> str:
    """The diagnostics' recommendation for a camera, in the words every page shows."""
    sev = classify(status, in_service)
    if sev is OUT_OF_SERVICE:
        return (f"out of service ({out_of_service_reason or 'no reason recorded'}); return it "
                f"after repair with the vendor maintenance record and a passing check")
    if sev is REMOVE:
        return "remove from service (policy II.B): diagnostics fail"
    return sev.action


def rank(label: str) -> int:
    """Sort key of a severity label (unknown labels last)."""
    sev = BY_LABEL.get(label)
    return sev.rank if sev is not None else len(SCALE)
