"""``alpr demo``: a gallery and labelled synthetic plates, the shipped recognizer's score on
them, then the simulated demo department in the embedded store, served."""

from __future__ import annotations

import argparse
from pathlib import Path

from alpr.cli.errors import EXIT_OK, bad_input
from alpr.cli.serve import serve_store


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("demo", help="build the demo department in the embedded store and serve "
                                    "its dashboards (no servers to install)")
    d.add_argument("--out", default="demo_output", help="output folder (default: demo_output)")
    d.add_argument("--n", type=int, default=200, help="synthetic plates to write")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--db", help="store for the demo department (default: OUT/alpr-demo.db, "
                                "re-created each run)")
    d.add_argument("--no-department", action="store_true",
                   help="skip the simulated department (gallery and plates only)")
    d.add_argument("--no-serve", action="store_true", help="build the demo, serve nothing")
    d.add_argument("--port", type=int, default=5006, help="dashboards port (default 5006)")
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import shutil

    from alpr.recognizer.recognizer import default_model_dir
    from alpr.synth.writer import render_gallery, write_dataset

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        gallery = render_gallery(out / "synthetic_gallery.png", n=24, seed=args.seed)
        plates = out / "synthetic_plates"
        if plates.exists():
            shutil.rmtree(plates)
        labels = write_dataset(plates, n=args.n, seed=args.seed, augment=True)
    except (ValueError, OSError) as exc:
        return bad_input(exc)
    print(f"gallery of synthetic plates: {gallery}")
    print(f"{args.n} labelled synthetic plates: {labels}")
    if not (default_model_dir() / "model.pt").exists():
        return EXIT_OK
    from alpr.datasets import load_crops
    from alpr.recognizer.evaluation import evaluate
    from alpr.recognizer.recognizer import Recognizer

    report = evaluate(Recognizer.load(), load_crops(labels).items)
    print(f"the shipped recognizer read {report.exact_folded:.0%} of them exactly "
          f"(O/0 folded) and named the state of {report.state_accuracy or 0:.0%} "
          f"(synthetic plates; see docs/recognizer.md for real-plate figures)")
    if args.no_department:
        return EXIT_OK
    from alpr.simulate.demo import build_demo, demo_url

    try:
        result = build_demo(args.db, out)
    except (ValueError, OSError) as exc:
        return bad_input(f"demo department: {exc}")
    print(f"demo department: {result.summary()}")
    print(f"  store: {args.db or demo_url(out)}; faults injected: "
          f"{out / 'department' / 'faults.json'}")
    print("  log in as 'admin', password 'demo-admin-pass' (demo only); try "
          "`alpr health report --user admin --db URL`")
    if args.no_serve:
        return EXIT_OK
    return serve_store(args.db or demo_url(out), args.port, None, False, diagnostics=True)
