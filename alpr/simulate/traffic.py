"""Who drives past the department's cameras: commuters who pass the same cameras daily at
their usual hours, vehicles seen once, and wanted vehicles that turn up once in the month;
plates from the home state, its neighbours and the rest of the country.

Pure: plate texts and pass times follow from the seed; plate images come from one
:class:`~alpr.synth.render.PlateRenderer` used in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import numpy as np

from alpr.simulate.config import SimulationConfig
from alpr.vocabulary.formats import sample_serial
from alpr.vocabulary.jurisdictions import all_jurisdictions

NEIGHBOURS = {"PA": ("NJ", "NY", "OH", "MD", "DE", "WV"), "NY": ("NJ", "PA", "CT", "MA", "VT"),
              "CA": ("NV", "AZ", "OR"), "TX": ("OK", "LA", "NM", "AR")}


@dataclass(frozen=True)
class Vehicle:
    """A vehicle and its plate; commuters have a route (cameras) and usual hours."""

    plate: str
    state: str
    commuter: bool
    route: tuple[str, ...] = ()
    hours: tuple[float, ...] = ()


@dataclass(frozen=True)
class Pass:
    """One vehicle passing one camera at one time."""

    camera: str
    at: dt.datetime
    vehicle: Vehicle


def state_sampler(cfg: SimulationConfig) -> tuple[list[str], np.ndarray]:
    """Jurisdiction codes and their probabilities: 70 % home, 20 % neighbours, 10 % others."""
    codes = [j.code for j in all_jurisdictions()]
    near = [c for c in NEIGHBOURS.get(cfg.home_state, ()) if c in codes]
    p = np.full(len(codes), 0.10 / len(codes))
    for c in near:
        p[codes.index(c)] += 0.20 / len(near)
    p[codes.index(cfg.home_state)] += 0.70 if near else 0.90
    return codes, p / p.sum()


class Traffic:
    """The vehicle population of a simulation and the passes of each camera-day."""

    def __init__(self, cfg: SimulationConfig, stationary: list[str]) -> None:
        self.cfg = cfg
        self.stationary = stationary
        self._py = random.Random(cfg.seed * 7919 + 17)
        r = np.random.default_rng([cfg.seed, 505])
        self.codes, self.p = state_sampler(cfg)
        seen: set[tuple[str, str]] = set()
        self.commuters: list[Vehicle] = []
        for _ in range(cfg.commuters if stationary else 0):
            plate, state = self._plate(r, seen)
            k = int(r.integers(1, min(3, len(stationary)) + 1))
            route = tuple(sorted(str(c) for c in r.choice(stationary, k, replace=False)))
            hours = (float(r.normal(7.9, 0.7)), float(r.normal(17.2, 0.9)))
            self.commuters.append(Vehicle(plate, state, True, route, hours))
        self.seen = seen
        # expected commuter passes per camera-day, to size the one-off traffic around them
        passes = sum(len(v.route) for v in self.commuters) * 2 * 0.8
        self.one_off_rate = max(cfg.vehicles_per_camera_day - passes / max(len(stationary), 1),
                                cfg.vehicles_per_camera_day * 0.3)

    def _plate(self, r: np.random.Generator, seen: set[tuple[str, str]]) -> tuple[str, str]:
        while True:
            state = str(r.choice(self.codes, p=self.p))
            plate, _ = sample_serial(state, self._py, vanity_rate=0.05)
            if 2 <= len(plate) <= 8 and (plate, state) not in seen:
                seen.add((plate, state))
                return plate, state

    def random_plates(self, n: int, seed_tag: int) -> list[tuple[str, str]]:
        """``n`` plates nobody in the population drives (hot-list entries, wanted cars)."""
        r = np.random.default_rng([self.cfg.seed, 606, seed_tag])
        return [self._plate(r, self.seen) for _ in range(n)]

    def one_off(self, r: np.random.Generator) -> Vehicle:
        plate, state = self._plate(r, self.seen)
        return Vehicle(plate, state, False)

    def stationary_day(self, camera: str, day: dt.date, r: np.random.Generator) -> list[Pass]:
        """Passes at a stationary camera on ``day``: commuters (fewer at weekends) and
        one-off traffic with morning and evening peaks and a little at night."""
        weekend = day.weekday() >= 5
        base = dt.datetime.combine(day, dt.time(), dt.UTC)
        out = []
        for v in self.commuters:
            if camera not in v.route:
                continue
            for h in v.hours:
                if r.random() < (0.35 if weekend else 0.9):
                    out.append((min(max(h + r.normal(0, 0.25), 0.0), 23.99), v))
        for _ in range(int(r.poisson(self.one_off_rate * (0.8 if weekend else 1.0)))):
            u = r.random()
            h = (r.uniform(0, 24) if u < 0.15 else r.normal(8.0, 1.4) if u < 0.4
                 else r.normal(17.3, 1.6) if u < 0.65 else r.normal(12.5, 2.5))
            out.append((float(np.clip(h, 0.0, 23.99)), self.one_off(r)))
        return [Pass(camera, base + dt.timedelta(hours=h), v) for h, v in sorted(
            out, key=lambda t: t[0])]

    def patrol(self, camera: str, start: dt.datetime, end: dt.datetime,
               r: np.random.Generator) -> list[Pass]:
        """Plates a mobile unit passes between ``start`` and ``end`` of its patrol."""
        hours = (end - start).total_seconds() / 3600
        n = int(r.poisson(self.cfg.reads_per_shift * hours / 8.0))
        times = np.sort(r.uniform(0, hours, n))
        out = []
        for t in times:
            v = (self.commuters[int(r.integers(len(self.commuters)))]
                 if self.commuters and r.random() < 0.15 else self.one_off(r))
            out.append(Pass(camera, start + dt.timedelta(hours=float(t)), v))
        return out
