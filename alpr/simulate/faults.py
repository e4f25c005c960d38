"""Which faults a simulation injects, where and when, and the file that records them
(``faults.json`` beside the data) so tests and people can check what the diagnostics find."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from alpr.simulate.config import SimulationConfig
from alpr.simulate.scene import CameraState


@dataclass(frozen=True)
class Fault:
    """One injected fault: ``kind`` on ``camera`` from ``day`` (index ``day_index``)."""

    kind: str
    camera: str
    day: dt.date
    day_index: int
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        return d


def camera_names(cfg: SimulationConfig) -> tuple[list[str], list[str]]:
    """(stationary camera names, mobile unit camera names)."""
    return ([f"CAM-{i + 1:02d}" for i in range(cfg.cameras)],
            [f"UNIT-{i + 1:02d}" for i in range(cfg.units)])


def plan_faults(cfg: SimulationConfig) -> list[Fault]:
    """The faults of this simulation, drawn from its seed; none when ``cfg.faults`` is off."""
    if not cfg.faults:
        return []
    r = np.random.default_rng([cfg.seed, 404])
    fixed, mobile = camera_names(cfg)
    first, last = cfg.baseline_days, cfg.days - 2  # leave two days to detect each fault

    def day() -> int:
        return int(r.integers(first, last + 1))

    a, b = (int(i) for i in r.choice(len(fixed), 2, replace=False))
    u, v = (int(i) for i in r.choice(len(mobile), 2, replace=False))
    sign = 1 if r.random() < 0.5 else -1
    faults: list[tuple[str, str, int, dict[str, Any]]] = [
        ("misalignment", fixed[a], day(), {"dx_px": round(sign * float(r.uniform(28, 45)), 1),
                                           "dy_px": round(float(r.uniform(-20, 20)), 1),
                                           "rotation_deg": round(float(r.uniform(2.0, 4.0))
                                                                 * -sign, 2)}),
        ("dirty_lens", fixed[b], day(), {"dirt": 0.45}),
        ("switched_off", mobile[u], day(), {"off_after_hours": round(float(r.uniform(1.5, 3.5)),
                                                                     2)}),
        ("unit_failure", mobile[v], day(), {"reported_after_days": 1, "repaired_after_days": 3}),
    ]
    return [Fault(k, cam, cfg.day(d), d, detail) for k, cam, d, detail in faults]


def camera_state(faults: list[Fault], camera: str, day_index: int) -> CameraState:
    """The camera's physical condition on a day (alignment and lens faults persist)."""
    state = CameraState()
    for f in faults:
        if f.camera != camera or day_index < f.day_index:
            continue
        if f.kind == "misalignment":
            state = CameraState(dx=f.detail["dx_px"], dy=f.detail["dy_px"],
                                rotation_deg=f.detail["rotation_deg"], dirt=state.dirt)
        elif f.kind == "dirty_lens":
            state = CameraState(state.dx, state.dy, state.rotation_deg, dirt=f.detail["dirt"])
    return state


def write_faults(path: Path, faults: list[Fault]) -> Path:
    path.write_text(json.dumps([f.to_dict() for f in faults], indent=2) + "\n", encoding="utf-8")
    return path


def read_faults(path: Path) -> list[Fault]:
    """Faults from a ``faults.json`` written by :func:`write_faults`."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Fault(r["kind"], r["camera"], dt.date.fromisoformat(r["day"]), int(r["day_index"]),
                  dict(r.get("detail") or {})) for r in rows]
