"""A smoke-sized simulated department, built once per test session and shared by the
simulator and health tests (about 30 s on the 2-core machine). ``truth`` maps each stored
read (camera, naive UTC read time) to the true (plate, state) of the vehicle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from alpr.simulate.config import SimulationConfig

SMOKE = SimulationConfig(days=8, cameras=3, units=2, seed=1, start=dt.date(2026, 5, 1),
                         commuters=60, vehicles_per_camera_day=60, reads_per_shift=50,
                         hotlist_random_entries=800, baseline_days=4, operators=4)


@dataclass(frozen=True)
class SmokeDepartment:
    cfg: SimulationConfig
    url: str
    out: Path
    result: object
    truth: dict = field(default_factory=dict)


_CACHE: dict[str, SmokeDepartment] = {}


@pytest.fixture(scope="session")
def smoke_department(tmp_path_factory: pytest.TempPathFactory) -> SmokeDepartment:
    if "smoke" not in _CACHE:
        from alpr.simulate.department import Department

        out = tmp_path_factory.mktemp("smoke-department")
        url = f"sqlite:///{out / 'alpr.db'}"
        # the department's images live under its own root (out/images), whatever the image
        # root of the test that first asks for it: tests read them with image_root=out/images
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("ALPR_IMAGE_ROOT", str(out / "images"))
            dep = Department(SMOKE, url, out, progress=False)
            result = dep.run()
        _CACHE["smoke"] = SmokeDepartment(SMOKE, url, out, result, dep.truth)
    return _CACHE["smoke"]
