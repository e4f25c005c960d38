"""The department's hot list: what it lists (some commuters, a commuter's plate text under
another state, the wanted vehicles, plates nobody drives, and look-alikes of commuters'
misreads) and its daily loading at 06:00, some days late, some days skipped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alpr.governance import hotlists
from alpr.governance.access import Actor
from alpr.matcher.rules import MatchConfig, classify
from alpr.simulate.clock import at_hour
from alpr.simulate.config import SimulationConfig
from alpr.simulate.reading import PlateImages
from alpr.simulate.scene import CameraRig, CameraState, view_plate
from alpr.simulate.staff import Staff
from alpr.simulate.traffic import Traffic, Vehicle
from alpr.vocabulary.plate_text import PlateTextError, fold_o_to_zero, normalize_plate

CATEGORIES = ("stolen_plate", "stolen_vehicle", "wanted_person", "bolo")


@dataclass(frozen=True)
class HotListPlan:
    """The list's lines (``plate;state;category;id``), the wanted vehicles, and where each
    turns up once: (day index, stationary camera index) -> vehicle."""

    lines: list[str]
    wanted: list[Vehicle]
    wanted_at: dict[tuple[int, int], Vehicle]


def plan_hotlist(cfg: SimulationConfig, traffic: Traffic, n_fixed: int,
                 lookalikes: Callable[[set[str]], list[tuple[str, str]]]) -> HotListPlan:
    """The list for ``cfg``; ``lookalikes(listed plates)`` gives the look-alike entries
    (:func:`lookalikes`), asked after the listed commuters are drawn."""
    r = np.random.default_rng([cfg.seed, 707])
    commuters = traffic.commuters
    listed = [commuters[int(i)] for i in r.choice(len(commuters), max(len(commuters) // 25, 1),
                                                   replace=False)] if commuters else []
    cats = CATEGORIES
    lines = [f"{v.plate};{v.state};{cats[k % len(cats)]};SIM-L{k}" for k, v in enumerate(listed)]
    # a few entries for a commuter's plate text issued by another state (wrong state)
    other = [c for c in traffic.codes if c != cfg.home_state]
    for k, v in enumerate(commuters[-max(len(commuters) // 60, 1):] if commuters else []):
        lines.append(f"{v.plate};{other[k % len(other)]};stolen_plate;SIM-W{k}")
    lines += [f"{p};{st};stolen_plate;SIM-M{k}" for k, (p, st) in enumerate(
        lookalikes({v.plate for v in listed}))]
    n_wanted = max(3, cfg.days * max(n_fixed, 1) // 10)
    wanted = [Vehicle(p, s, False) for p, s in traffic.random_plates(n_wanted, 1)]
    lines += [f"{v.plate};{v.state};stolen_vehicle;SIM-V{k}" for k, v in enumerate(wanted)]
    lines += [f"{p};{s};{cats[k % len(cats)]};SIM-R{k}" for k, (p, s) in enumerate(
        traffic.random_plates(cfg.hotlist_random_entries, 2))]
    # each wanted vehicle turns up once, at a random stationary camera-day
    wanted_at = {(int(r.integers(cfg.days)), int(r.integers(max(n_fixed, 1)))): v
                 for v in wanted}
    return HotListPlan(lines, wanted, wanted_at)


def lookalikes(cfg: SimulationConfig, traffic: Traffic, rigs: dict[str, CameraRig],
               images: PlateImages, recognizer: Any, listed: set[str]) -> list[tuple[str, str]]:
    """Listed plates one misread away from some commuters' plates.

    A real list holds millions of plates, so a misread now and then lands on one of
    them: a hit the operator rejects as a misread. The simulated list holds thousands,
    where that almost never happens; so for one commuter in 20 it also lists the text
    the recognizer read that commuter's plate as, in a few trial captures at set-up,
    when that text is not a match of the true plate under the matcher's tolerance
    (a correct read never hits it; the same misread later does)."""
    commuters = [v for v in traffic.commuters if v.plate not in listed]
    want = len(traffic.commuters) // 20
    if not commuters or want == 0:
        return []
    r = np.random.default_rng([cfg.seed, 717])
    trial = [commuters[int(i)] for i in r.choice(len(commuters), min(len(commuters), 6 * want),
                                                 replace=False)]
    tries = 4
    crops, owners = [], []
    for v in trial:
        for k in range(tries):
            rig = rigs[v.route[k % len(v.route)]]
            view = view_plate(rig, CameraState(), images.image(v), float(r.uniform(7, 18)), r)
            if view is not None:
                crops.append(view.crop)
                owners.append(v)
    misread: dict[Vehicle, list[str]] = {}
    for v, rd in zip(owners, recognizer.read_crops(crops) if crops else [], strict=True):
        if (rd.text and fold_o_to_zero(rd.text) != fold_o_to_zero(v.plate)
                and classify(rd.text, v.plate, MatchConfig()) is None):
            misread.setdefault(v, []).append(rd.text)
    out: list[tuple[str, str]] = []
    for v in trial:
        texts = misread.get(v)
        if not texts or len(out) >= want:
            continue
        text = max(sorted(set(texts)), key=texts.count)  # its most frequent misread
        try:
            normalize_plate(text)
        except PlateTextError:
            continue
        out.append((text, v.state))
    return out


class DailyList:
    """One source, refreshed daily: each load is a new version of the same list, written
    to ``OUT/hotlists/ncic-extract.txt`` and loaded through governance."""

    def __init__(self, staff: Staff, plan: HotListPlan, out: Path, start: dt.date) -> None:
        self.staff = staff
        self.plan = plan
        self.path = out / "hotlists" / "ncic-extract.txt"
        self.last_load = at_hour(start, 0.0)  # when the latest list was loaded

    def morning(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        """The daily list arrives at 06:00; some days it is loaded late, some not at all."""
        u = r.random()
        if d > 0 and u < 0.08:
            return  # skipped: shifts must load it themselves before they start
        hour = 6.0 if u >= 0.2 or d == 0 else float(r.uniform(6.2, 6.95))  # late
        self.load(day, hour, self.staff.admin)

    def load(self, day: dt.date, hour: float, who: Actor) -> None:
        """Load today's list at ``hour`` as ``who`` (else the first operator allowed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"# NCIC extract {day.isoformat()}\n"
                             + "\n".join(self.plan.lines) + "\n", encoding="utf-8")
        self.staff.attempt([who, *self.staff.operators], lambda a: hotlists.load_list(
            self.staff.gov, a, self.path, now=at_hour(day, hour)))
        self.last_load = at_hour(day, hour)
