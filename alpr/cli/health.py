"""``alpr health``: camera alignment from two frames, every camera's status from the store,
and the administrator's decision on a flagged camera."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from alpr.cli.common import add_login, as_user
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, bad_input
from alpr.cli.output import print_json, print_key_values


def register(sub: argparse._SubParsersAction) -> None:
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
    add_login(r)
    r.add_argument("--format", choices=["json", "table"], default="table")
    r.set_defaults(func=_report)

    m = hs.add_parser("misreads", help="misread and hit error rates with 95%% intervals: "
                                        "overall, per camera, per jurisdiction, per character")
    add_login(m)
    m.add_argument("--format", choices=["json", "table"], default="table")
    m.set_defaults(func=_misreads)

    d = hs.add_parser("decide", help="record an administrator's decision on a camera")
    add_login(d)
    d.add_argument("camera")
    g = d.add_mutually_exclusive_group(required=True)
    g.add_argument("--remove", action="store_true", help="remove from service")
    g.add_argument("--return", dest="return_", action="store_true",
                   help="return to service after repair (needs --vendor-record)")
    d.add_argument("--reason", required=True)
    d.add_argument("--vendor-record", help="the vendor's maintenance record (for --return)")
    d.set_defaults(func=_decide)


def _align(args: argparse.Namespace) -> int:
    from alpr.health.align import AlignmentThresholds, estimate_alignment, load_image

    try:
        th = AlignmentThresholds()
        if args.thresholds:
            where = f"--thresholds {args.thresholds}"
            try:
                raw = json.loads(args.thresholds.read_text())
            except json.JSONDecodeError as exc:
                return bad_input(f"{where}: not JSON ({exc})")
            if not isinstance(raw, dict):
                return bad_input(f"{where}: must be a JSON object of thresholds, e.g. "
                                 f'{{"shift_fail_px": 8}}')
            try:
                th = AlignmentThresholds.from_dict(raw)
            except (TypeError, ValueError) as exc:
                return bad_input(f"{where}: {exc}")
        result = estimate_alignment(load_image(args.reference), load_image(args.current), th)
    except (ValueError, OSError) as exc:
        return bad_input(exc)
    d = result.to_dict()
    if args.format == "json":
        print_json(d)
    else:
        print_key_values(d)
    return EXIT_OK if result.status != "fail" else EXIT_FINDINGS


def _report(args: argparse.Namespace) -> int:
    from alpr.health.report import format_table, health_report

    report = as_user(args, health_report)
    if report is None:
        return EXIT_BAD_INPUT
    if args.format == "json":
        print_json([h.to_dict() for h in report])
    else:
        print(format_table(report))
    return EXIT_OK


def _misreads(args: argparse.Namespace) -> int:
    from alpr.health.misreads import misread_rates
    from alpr.health.report import load_inputs

    inputs = as_user(args, load_inputs)
    if inputs is None:
        return EXIT_BAD_INPUT
    if inputs.verified.empty:
        print("no verified hits yet: misread rates need operators' verifications")
        return EXIT_OK
    tables = misread_rates(inputs.verified)
    if args.format == "json":
        print_json({k: v.to_dict(orient="records") for k, v in tables.items()})
        return EXIT_OK
    for name, table in tables.items():
        print(f"== {name} ==")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return EXIT_OK


def _decide(args: argparse.Namespace) -> int:
    from alpr.health.decisions import decide

    action = "remove" if args.remove else "return"
    done = as_user(args, lambda g, a: decide(g, a, args.camera, action, args.reason,
                                              args.vendor_record))
    if done is None:
        return EXIT_BAD_INPUT
    print(done)
    return EXIT_OK
