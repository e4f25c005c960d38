"""The small simulated department (:data:`alpr.simulate.samples.SMALL`), built once per test
session and shared by the simulator, health, equipment and report tests (about 30 s on the
2-core machine). ``truth`` maps each stored
read (camera, naive UTC read time) to the true (plate, state) of the vehicle."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from alpr.simulate.config import SimulationConfig
from alpr.simulate.samples import SMALL

SMOKE = SMALL  # the one small department (alpr.simulate.samples), not a copy of it


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
