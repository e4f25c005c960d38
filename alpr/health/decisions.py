"""An administrator's decision on a camera the health report flagged, recorded and audited
through the equipment governance (policy II.B): remove it from service with the reason, or
return it after repair with the vendor's maintenance record and a passing check.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from alpr.governance import equipment
from alpr.governance.access import Actor, Governance
from alpr.store.schema import Camera, EquipmentReport

ACTIONS = ("remove", "return")


def decide(gov: Governance, actor: Actor, camera: str, action: str, reason: str,
           vendor_record: str | None = None, at: dt.datetime | None = None) -> str:
    """Carry out and record the decision; returns a one-line summary.

    ``remove``: the camera leaves service with ``reason`` (its reads are refused from then
    on). ``return``: needs ``vendor_record`` (what the vendor did); it is filed as a vendor
    maintenance report, open problem reports are resolved, a passing check is recorded and
    the camera returns to service. Every step is an audited governance act.
    """
    if action not in ACTIONS:
        raise ValueError(f"action {action!r}: must be one of {', '.join(ACTIONS)}")
    if len((reason or "").strip()) < 5:
        raise ValueError("reason: say why (at least 5 characters), e.g. the health finding")
    if action == "remove":
        gov.set_camera_service(actor, camera, False, reason.strip())
        return f"{camera}: removed from service ({reason.strip()})"
    if len((vendor_record or "").strip()) < 5:
        raise ValueError("vendor_record: returning a camera needs the vendor's maintenance "
                         "record (what was repaired, work order)")
    now = at or dt.datetime.now(dt.UTC)
    with gov.Session() as s:
        cam_id = s.scalar(select(Camera.id).where(Camera.name == camera))
        if cam_id is None:
            raise ValueError(f"camera {camera!r}: no such camera")
        open_ids = list(s.scalars(select(EquipmentReport.id).where(
            EquipmentReport.camera_id == cam_id, EquipmentReport.resolved_at.is_(None))))
    vendor = equipment.report_problem(gov, actor, camera, "vendor_maintenance",
                                      str(vendor_record).strip(), at=now)
    for rid in [*open_ids, vendor]:
        equipment.resolve_report(gov, actor, rid, at=now)
    equipment.record_check(gov, actor, camera, True, True,
                           notes=f"after repair: {reason.strip()}",
                           at=now + dt.timedelta(seconds=1))
    equipment.restore(gov, actor, camera)
    return f"{camera}: returned to service after repair ({vendor_record})"
