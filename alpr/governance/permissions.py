"""Which roles may do what, and which acts need current training and certification.

Policy I.A/I.B: only trained, SLED/NCIC-certified personnel operate the system or access its
records; II.A: a designated administrator authorises use and data access.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("operator", "administrator", "data_staff", "auditor")


@dataclass(frozen=True)
class Permission:
    roles: tuple[str, ...]
    needs_certification: bool = True
    clause: str = "I.B"


PERMISSIONS: dict[str, Permission] = {
    "users.manage": Permission(("administrator",), clause="II.A.4"),
    "certifications.record": Permission(("administrator",), clause="I.A, I.B"),
    "cameras.manage": Permission(("administrator",), clause="II.B"),
    "cameras.view": Permission(ALL, clause="I.B"),
    "reads.view": Permission(("operator", "administrator", "data_staff", "auditor"),
                             clause="I.B"),
    "search.history": Permission(("operator", "administrator", "auditor"), clause="III.E, IV.E"),
    # crops of stored reads copied out to retrain the recognizer: the data staff's work, not
    # an operator's or an auditor's (the images leave the store for a training folder)
    "training.export": Permission(("data_staff", "administrator"), clause="II.A"),
    "reads.ingest": Permission(("operator", "administrator", "data_staff"), clause="I.B"),
    "holds.manage": Permission(("administrator",), clause="II.A.2"),
    "retention.purge": Permission(("administrator",), clause="II.A.1"),
    "cameras.session": Permission(("operator", "administrator"), clause="III.A"),
    "equipment.check": Permission(("operator", "administrator"), clause="II.B"),
    "equipment.report": Permission(("operator", "administrator"), clause="VI.A.4, VI.B.2"),
    "compliance.view": Permission(("administrator", "auditor"), clause="II.A"),
    "hotlists.load": Permission(("operator", "administrator"), clause="III.C"),
    # a new version under half the size of the current one (a truncated or wrong file)
    "hotlists.confirm_shrink": Permission(("administrator",), clause="III.C"),
    "hotlists.manual": Permission(("operator", "administrator"), clause="IV.D"),
    "hotlists.view": Permission(("operator", "administrator", "auditor"), clause="IV.D.2"),
    "shifts.start": Permission(("operator",), clause="III.B, III.C"),
    "hits.verify": Permission(("operator",), clause="III.D, IV.B"),
    "evidence.export": Permission(("operator", "administrator"), clause="II.A.2"),
    "requests.submit": Permission(ALL, clause="II.A.4"),
    "requests.decide": Permission(("administrator",), clause="II.A.4"),
    "data.share": Permission(("administrator", "operator"), clause="V.A, V.B"),
    "audit.view": Permission(("administrator", "auditor"), clause="II.A.3"),
    "audit.verify": Permission(("administrator", "auditor"), needs_certification=False,
                               clause="II.A.3"),
    # Administrators' dashboards (alpr serve): signing in, each page view and each export.
    # Administrators see every page; auditors only compliance, read-only (II.A, II.A.3).
    "dashboards.login": Permission(("administrator", "auditor"), clause="I.A, I.B, II.A"),
    "dashboards.equipment": Permission(("administrator",), clause="II.B, VI"),
    "dashboards.misreads": Permission(("administrator",), clause="III.D"),
    "dashboards.compliance": Permission(("administrator", "auditor"), clause="II.A.3"),
    "dashboards.model": Permission(("administrator",), clause="II.A"),
    "dashboards.export": Permission(("administrator", "auditor"), clause="II.A.3"),
}


def permission(action: str) -> Permission:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}; known: {', '.join(sorted(PERMISSIONS))}") \
            from None
