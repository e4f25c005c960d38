"""``alpr health``: camera alignment from two frames, every camera's status from the store,
and the administrator's decision on a flagged camera."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser("health", help="camera health: alignment, focus, read quality, status")
    hs = h.add_subparsers(dest="health_command", required=True)
    a = hs.add_parser("align", help="compare a camera frame with its reference frame")
    a.add_argument("reference", type=Path)
    a.add_argument("current", type=Path)
    a.add_argument("--format", choices=["json", "table"], default="json")
    a.add_argument("--thresholds", type=Path,
                   help="JSON file of threshold overrides, e.g. {\"shift_fail_px\": 8}")
    a.set_defaults(func=_align)

    r = hs.add_parser("report", help="every camera's status with reasons")
    _login_args(r)
    r.add_argument("--format", choices=["json", "table"], default="table")
    r.set_defaults(func=_report)

    m = hs.add_parser("misreads", help="misread and hit error rates with 95%% intervals: "
                                        "overall, per camera, per jurisdiction, per character")
    _login_args(m)
    m.add_argument("--format", choices=["json", "table"], default="table")
    m.set_defaults(func=_misreads)

    d = hs.add_parser("decide", help="record an administrator's decision on a camera")
    _login_args(d)
    d.add_argument("camera")
    g = d.add_mutually_exclusive_group(required=True)
    g.add_argument("--remove", action="store_true", help="remove from service")
    g.add_argument("--return", dest="return_", action="store_true",
                   help="return to service after repair (needs --vendor-record)")
    d.add_argument("--reason", required=True)
    d.add_argument("--vendor-record", help="the vendor's maintenance record (for --return)")
    d.set_defaults(func=_decide)


def _login_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", required=True, help="acting user (password: $ALPR_PASSWORD or prompt)")
    p.add_argument("--db", help="database URL (default: $ALPR_DATABASE_URL or data/alpr.db)")


def _align(args: argparse.Namespace) -> int:
    from alpr.health.align import AlignmentThresholds, estimate_alignment, load_image

    try:
        th = AlignmentThresholds()
        if args.thresholds:
            th = AlignmentThresholds.from_dict(json.loads(args.thresholds.read_text()))
        result = estimate_alignment(load_image(args.reference), load_image(args.current), th)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    d = result.to_dict()
    if args.format == "json":
        print(json.dumps(d))
    else:
        for k, v in d.items():
            print(f"{k:16} {v}")
    return 0 if result.status != "fail" else 1


def _report(args: argparse.Namespace) -> int:
    from alpr.cli.records import _as_user
    from alpr.health.report import format_table, health_report

    report = _as_user(args, health_report)
    if report is None:
        return 2
    if args.format == "json":
        print(json.dumps([h.to_dict() for h in report], default=str))
    else:
        print(format_table(report))
    return 0


def _misreads(args: argparse.Namespace) -> int:
    from alpr.cli.records import _as_user
    from alpr.health.misreads import misread_rates
    from alpr.health.report import load_inputs

    inputs = _as_user(args, load_inputs)
    if inputs is None:
        return 2
    if inputs.verified.empty:
        print("no verified hits yet: misread rates need operators' verifications")
        return 0
    tables = misread_rates(inputs.verified)
    if args.format == "json":
        print(json.dumps({k: v.to_dict(orient="records") for k, v in tables.items()}))
        return 0
    for name, table in tables.items():
        print(f"== {name} ==")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def _decide(args: argparse.Namespace) -> int:
    from alpr.cli.records import _as_user
    from alpr.health.decisions import decide

    action = "remove" if args.remove else "return"
    done = _as_user(args, lambda g, a: decide(g, a, args.camera, action, args.reason,
                                              args.vendor_record))
    if done is None:
        return 2
    print(done)
    return 0
