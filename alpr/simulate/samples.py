"""The named simulated departments, defined once: :data:`DEMO` (``alpr demo``) and
:data:`SMALL` (the tests' shared department and the notebooks' smoke runs: eight days,
three cameras and two units, all four faults; about 30 s on a 2-core machine)."""

from __future__ import annotations

import datetime as dt

from alpr.simulate.config import SimulationConfig

DEMO = SimulationConfig(days=14, cameras=4, units=2, seed=0, commuters=120,
                        vehicles_per_camera_day=70, reads_per_shift=60,
                        hotlist_random_entries=2000)
SMALL = SimulationConfig(days=8, cameras=3, units=2, seed=1, start=dt.date(2026, 5, 1),
                         commuters=60, vehicles_per_camera_day=60, reads_per_shift=50,
                         hotlist_random_entries=800, baseline_days=4, operators=4)
