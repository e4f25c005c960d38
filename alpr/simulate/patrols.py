"""The mobile units: one patrol shift a day per unit, started on the current hot list (the
operator loads it first when it is missing, policy III.C), its ALPR session, the plates met
on patrol; a unit switched off early, and a unit that fails, is reported, repaired by the
vendor and returned to service."""

from __future__ import annotations

import datetime as dt

import numpy as np

from alpr.governance import equipment, hotlists
from alpr.governance.access import AccessDenied, Actor
from alpr.simulate.clock import at_hour
from alpr.simulate.config import SimulationConfig
from alpr.simulate.faults import Fault
from alpr.simulate.hotlist_plan import DailyList
from alpr.simulate.staff import Staff
from alpr.simulate.traffic import Pass, Traffic

SHIFT_START, SHIFT_HOURS = 7.0, 8.0
# unit -> (shift id, session start, session end or None, operator)
Sessions = dict[str, tuple[int | None, dt.datetime, dt.datetime | None, Actor]]


class Patrols:
    """The day's shifts of the mobile units ``units``."""

    def __init__(self, cfg: SimulationConfig, staff: Staff, units: list[str],
                 faults: list[Fault], traffic: Traffic, hotlist: DailyList) -> None:
        self.cfg = cfg
        self.staff = staff
        self.units = units
        self.faults = faults
        self.traffic = traffic
        self.hotlist = hotlist
        self.malfunction: int | None = None  # the open malfunction report of a failed unit
        self.open_shifts: list[tuple[Actor, int, dt.datetime]] = []

    def start(self, d: int, day: dt.date, r: np.random.Generator
              ) -> tuple[list[Pass], Sessions]:
        """Start the day's shifts: the plates met on patrol and each unit's ALPR session."""
        passes: list[Pass] = []
        sessions: Sessions = {}
        self.open_shifts = []
        start = at_hour(day, SHIFT_START + float(r.uniform(0, 0.25)))
        end = start + dt.timedelta(hours=SHIFT_HOURS)
        for k, unit in enumerate(self.units):
            got = self._start_shift(d, k, unit, day, start)
            if got is None:
                continue
            operator, shift_id, began = got
            self.open_shifts.append((operator, shift_id, end))
            failure = self._fault(unit, "unit_failure")
            if failure is not None and 0 <= d - failure.day_index <= failure.detail[
                    "repaired_after_days"]:
                self._failed_unit(d, unit, failure, operator, shift_id, began, end)
                continue
            off = end
            switched = self._fault(unit, "switched_off")
            if switched is not None and d == switched.day_index:
                off = began + dt.timedelta(hours=switched.detail["off_after_hours"])
            sessions[unit] = (shift_id, began, off, operator)
            pr = np.random.default_rng([self.cfg.seed, 1010, d, k])
            passes.extend(self.traffic.patrol(unit, began, off, pr))
        return passes, sessions

    def record_sessions(self, d: int, sessions: Sessions) -> None:
        """Each unit's ALPR session, recorded by its operator (else a colleague)."""
        staff = self.staff
        for unit, (shift, start, end, operator) in sessions.items():
            if end is not None:
                staff.attempt([operator, *staff.rota(d)], lambda a, u=unit, s=start, e=end,
                              sh=shift: equipment.record_camera_session(staff.gov, a, u, s, e,
                                                                        sh))

    def end(self) -> None:
        """End the day's open shifts."""
        for operator, shift_id, end in self.open_shifts:
            self.staff.attempt([operator], lambda a, s=shift_id, e=end: hotlists.end_shift(
                self.staff.gov, a, s, now=e))
        self.staff.result.shifts += len(self.open_shifts)

    def _start_shift(self, d: int, k: int, unit: str, day: dt.date,
                     start: dt.datetime) -> tuple[Actor, int, dt.datetime] | None:
        staff = self.staff

        def begin(a: Actor, at: dt.datetime) -> int:
            return hotlists.start_shift(staff.gov, a, unit, now=at).shift_id

        start = max(start, self.hotlist.last_load + dt.timedelta(minutes=2))
        for who in staff.rota(d + k):
            try:
                return who, begin(who, start), start
            except AccessDenied:
                staff.result.denied += 1
            except ValueError:  # no current hot list: load it, then start (III.C)
                late = start + dt.timedelta(minutes=10)
                self.hotlist.load(day, (late - at_hour(day, 0)).total_seconds() / 3600 - 0.05,
                                  who)
                try:
                    return who, begin(who, late), late
                except (AccessDenied, ValueError):
                    staff.result.denied += 1
        return None

    def _fault(self, camera: str, kind: str) -> Fault | None:
        return next((f for f in self.faults if f.camera == camera and f.kind == kind), None)

    def _failed_unit(self, d: int, unit: str, fault: Fault, operator: Actor, shift_id: int,
                     began: dt.datetime, end: dt.datetime) -> None:
        """The unit's ALPR is on but reads nothing; reported the next day (out of service from
        then), repaired and returned to service after a passing check later."""
        staff, g = self.staff, self.staff.gov
        since = d - fault.day_index
        day = self.cfg.day(d)
        if since == 0:  # on, but no reads at all
            staff.attempt([operator], lambda a: equipment.record_camera_session(
                g, a, unit, began, end, shift_id))
        elif since == fault.detail["reported_after_days"]:
            got = staff.attempt([operator, *staff.operators], lambda a: equipment.report_problem(
                g, a, unit, "malfunction", "ALPR unit on but producing no reads",
                at=began + dt.timedelta(minutes=30)))
            self.malfunction = got[1] if got else None
        elif since == fault.detail["repaired_after_days"]:
            vendor = equipment.report_problem(
                g, staff.admin, unit, "vendor_maintenance",
                f"Vendor replaced the camera processor board (work order SIM-{self.cfg.seed}-"
                f"{d}); unit tested on site", at=at_hour(day, 9.0))
            for rid in (self.malfunction, vendor):
                if rid is not None:
                    equipment.resolve_report(g, staff.admin, rid, at=at_hour(day, 9.5))
            equipment.record_check(g, staff.admin, unit, True, True, at=at_hour(day, 10.0))
            equipment.restore(g, staff.admin, unit)
