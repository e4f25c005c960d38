"""The one typed configuration of a department simulation, validated on creation and saved
beside its outputs (``simulation.json``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = ("misalignment", "dirty_lens", "switched_off", "unit_failure")


@dataclass(frozen=True)
class SimulationConfig:
    """A department: ``cameras`` stationary cameras and ``units`` mobile units over ``days``
    days from ``start``; traffic sizes are per camera-day (stationary) and per shift (mobile).

    Faults are injected when ``faults`` is set (misalignment and a dirty lens need two
    stationary cameras, a unit switched off and a failed unit need two mobile units), each
    after ``baseline_days`` healthy days, so the diagnostics have a baseline to compare with.
    """

    days: int = 30
    cameras: int = 9
    units: int = 3
    seed: int = 0
    start: dt.date = dt.date(2026, 5, 1)
    vehicles_per_camera_day: int = 90
    reads_per_shift: int = 70
    commuters: int = 120
    hotlist_random_entries: int = 4000
    home_state: str = "PA"
    operators: int = 6
    baseline_days: int = 5
    faults: bool = True
    # Find each plate with the plate detector in the camera's frame (as deployed cameras do)
    # instead of taking the rendered plate's own box: misses and loose boxes become the
    # detector's real errors. Slower (one detection per pass).
    use_detector: bool = False
    # Read an unsure plate (confidence under 0.9) again from several views, as `alpr read`
    # does by default; off, each plate is read once, as `alpr read --no-reread` reads it
    # (re-reading costs the demo about 7x the recognizer's time for about 2 points).
    reread: bool = False
    admin_password: str = "demo-admin-pass"

    def __post_init__(self) -> None:
        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                raise ValueError(f"{name} {getattr(self, name)!r}: {rule}")

        need(1 <= self.days <= 366, "days", "must be between 1 and 366")
        need(self.cameras >= 0, "cameras", "must be 0 or more")
        need(self.units >= 0, "units", "must be 0 or more")
        need(self.cameras + self.units >= 1, "cameras", "cameras + units must be at least 1")
        need(self.vehicles_per_camera_day >= 1, "vehicles_per_camera_day", "must be at least 1")
        need(self.reads_per_shift >= 1, "reads_per_shift", "must be at least 1")
        need(self.commuters >= 0, "commuters", "must be 0 or more")
        need(self.hotlist_random_entries >= 0, "hotlist_random_entries", "must be 0 or more")
        need(self.operators >= 2, "operators", "must be at least 2 (one checks the other)")
        need(self.baseline_days >= 1, "baseline_days", "must be at least 1")
        need(len(self.admin_password) >= 10, "admin_password", "must be at least 10 characters")
        if self.faults:
            need(self.days >= self.baseline_days + 3, "days",
                 f"must be at least baseline_days + 3 = {self.baseline_days + 3} to inject "
                 f"faults (or set faults=False)")
            need(self.cameras >= 2, "cameras",
                 "must be at least 2 to inject faults (or set faults=False)")
            need(self.units >= 2, "units", "must be at least 2 to inject faults (or set "
                                           "faults=False)")
        from alpr.vocabulary.jurisdictions import get_jurisdiction

        get_jurisdiction(self.home_state)

    def day(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["start"] = self.start.isoformat()
        d.pop("admin_password")
        return d
