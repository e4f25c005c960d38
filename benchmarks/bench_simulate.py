"""Benchmark: simulate a month of a 12-camera department, then run every camera's health
diagnostics over it.

Usage: ``python benchmarks/bench_simulate.py [--days 30] [--cameras 9] [--units 3]
[--vehicles 90] [--out DIR]``

Times (1) the whole simulation (rendering, the real recognizer, every record through the
governance layer) and (2) ``alpr health report``'s work (store load, image alignment of every
daily snapshot, read drift, patrol coverage, misread rates). The peer, measured in the same
run, is the recognizer alone reading as many plate crops as the simulation read: the ratio
says how much the rest of the simulated department costs on top of recognition. Also prints
whether every injected fault was found and the peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--cameras", type=int, default=9)
    ap.add_argument("--units", type=int, default=3)
    ap.add_argument("--vehicles", type=int, default=90)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--reuse", action="store_true",
                    help="OUT already holds a simulated store: time the diagnostics only")
    args = ap.parse_args()

    from alpr.governance.access import Governance
    from alpr.health.report import health_report, load_inputs
    from alpr.recognizer.recognizer import Recognizer
    from alpr.simulate.config import SimulationConfig
    from alpr.simulate.department import simulate
    from alpr.simulate.faults import read_faults
    from alpr.store.db import make_engine
    from alpr.synth.render import PlateRenderer

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-sim-"))
    cfg = SimulationConfig(days=args.days, cameras=args.cameras, units=args.units,
                           vehicles_per_camera_day=args.vehicles, start=dt.date(2026, 5, 1))
    url = f"sqlite:///{out / 'alpr.db'}"
    rec = Recognizer.load()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"{dt.date.today()}; out {out}")
    if not args.reuse:
        t0 = time.perf_counter()
        res = simulate(cfg, url, out, recognizer=rec)
        sim_s = time.perf_counter() - t0
        print(res.summary())
        n = res.passes

        # peer: the recognizer alone on as many crops
        ren = PlateRenderer(1, size=(192, 96))
        crops = [ren.render().image for _ in range(500)]
        t0 = time.perf_counter()
        for i in range(0, n, 500):
            rec.read_crops(crops[:min(500, n - i)])
        peer_s = time.perf_counter() - t0
        print(f"simulation: {sim_s:.1f} s for {cfg.days} days x {cfg.cameras + cfg.units} "
              f"cameras ({n} passes, {res.reads_stored} reads; {n / sim_s:.0f} passes/s)")
        print(f"peer (recognizer alone, {n} crops): {peer_s:.1f} s -> simulation/peer "
              f"{sim_s / max(peer_s, 1e-9):.1f}x")

    gov = Governance(make_engine(url), today=lambda: cfg.day(cfg.days - 1))
    admin = gov.login("admin", cfg.admin_password)
    t0 = time.perf_counter()
    inputs = load_inputs(gov, admin)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = health_report(gov, admin)
    diag_s = time.perf_counter() - t0
    by_cam = {h.camera: h for h in report}
    found = []
    for f in read_faults(out / "faults.json"):
        h = by_cam[f.camera]
        days = sorted({x.day for x in h.findings if x.day >= f.day.isoformat()})
        lag = ((dt.date.fromisoformat(days[0]) - f.day).days if days else None)
        found.append((f.kind, f.camera, f.day.isoformat(), h.status, lag,
                      sorted({x.source for x in h.findings})))
    faulty = {f[1] for f in found}
    healthy_flagged = [h.camera for h in report if h.camera not in faulty and h.findings]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    daily = inputs.daily  # load_inputs: the database's per-camera, per-day statistics
    assert daily is not None
    print(f"diagnostics (health report): {diag_s:.1f} s (store load alone {load_s:.1f} s, "
          f"{int(daily['all_reads'].sum())} reads, {len(inputs.frames)} frames)")
    for kind, cam, day, status, lag, sources in found:
        print(f"  fault {kind:13} {cam:8} {day}: found after {lag} day(s) by "
              f"{'+'.join(sources)}; report status now {status}")
    print(f"  cameras without a fault but with a finding: {healthy_flagged or 'none'} "
          f"(of {len(report) - len(faulty)})")
    print(f"peak memory {peak:.0f} MiB; mean confidence check "
          f"{float(np.average(daily['confidence'], weights=daily['reads'])):.3f}")


if __name__ == "__main__":
    main()
