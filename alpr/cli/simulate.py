"""``alpr simulate``: fill a store with a simulated department."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from alpr.cli.common import DB_HELP
from alpr.cli.errors import EXIT_OK, bad_input


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="fill a store with a simulated department (demo data)")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--cameras", type=int, default=9, help="stationary cameras")
    p.add_argument("--units", type=int, default=3, help="mobile units (one camera each)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", help="first day, YYYY-MM-DD (default: DAYS days before today)")
    p.add_argument("--db", help=f"{DB_HELP}; the store must hold no users yet")
    p.add_argument("--out", default="simulation", type=Path,
                   help="folder for frames, hot lists, faults.json (default: simulation)")
    p.add_argument("--no-faults", action="store_true", help="inject no faults")
    p.add_argument("--vehicles", type=int, default=90, help="vehicles per stationary camera-day")
    p.add_argument("--detector", action="store_true",
                   help="find each plate with the shipped plate detector in the camera's frame "
                        "(slower; misses and loose boxes are the detector's own)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    from alpr.simulate.config import SimulationConfig
    from alpr.simulate.department import simulate

    try:
        start = (dt.date.fromisoformat(args.start) if args.start
                 else dt.date.today() - dt.timedelta(days=args.days))
    except ValueError:
        return bad_input(f"--start {args.start!r}: must be a date YYYY-MM-DD")
    from alpr.governance.access import AccessDenied

    try:
        cfg = SimulationConfig(days=args.days, cameras=args.cameras, units=args.units,
                               seed=args.seed, start=start, faults=not args.no_faults,
                               vehicles_per_camera_day=args.vehicles,
                               use_detector=args.detector)
        result = simulate(cfg, args.db, args.out, progress=not args.no_progress)
    except AccessDenied as exc:
        return bad_input(f"{exc}: the simulator needs an empty store (pass --db with a new "
                         f"database, e.g. --db sqlite:///simulation.db)")
    except (ValueError, OSError) as exc:
        return bad_input(exc)
    print(result.summary())
    print(f"faults injected: {args.out / 'faults.json'}")
    print(f"log in as 'admin' with password {cfg.admin_password!r} (operators ofc-01.., "
          f"'auditor': the same demo password)")
    return EXIT_OK
