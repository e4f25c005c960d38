"""The stationary cameras' frames for the health diagnostics: a reference frame at
installation (day 0, noon) and one snapshot a day at around noon, saved as PNG under
``OUT/frames/CAMERA/`` and registered in the store by path and SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import cv2
import numpy as np

from alpr.governance import equipment
from alpr.simulate.clock import at_hour
from alpr.simulate.faults import Fault, camera_state
from alpr.simulate.scene import CameraRig, render_frame
from alpr.simulate.staff import Staff


def record_frames(staff: Staff, out: Path, rigs: dict[str, CameraRig], cameras: list[str],
                  faults: list[Fault], d: int, day: dt.date, r: np.random.Generator) -> int:
    """Day ``d``'s frames of ``cameras`` (the reference too on day 0); how many."""
    n = 0
    for i, cam in enumerate(cameras):
        folder = out / "frames" / cam
        folder.mkdir(parents=True, exist_ok=True)
        shots = [("reference", 12.0, camera_state([], cam, 0))] if d == 0 else []
        shots.append(("snapshot", 12.0 + float(r.uniform(-2.5, 2.5)),
                      camera_state(faults, cam, d)))
        for kind, hour, state in shots:
            frame = render_frame(rigs[cam], hour, state, seed=d * 100 + i
                                 + (50 if kind == "reference" else 0))
            path = folder / f"{day.isoformat()}-{kind}.png"
            cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            staff.attempt([staff.admin], lambda a, k=kind, h=hour, p=path, s=sha, c=cam:
                          equipment.record_camera_frame(staff.gov, a, c, k, at_hour(day, h),
                                                        str(p.resolve()), s))
            n += 1
    return n
