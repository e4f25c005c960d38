"""``alpr report annual``: the annual re-evaluation as HTML and PDF."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from alpr.cli.records import _common

    rep = sub.add_parser("report", help="reports for command staff")
    rsub = rep.add_subparsers(dest="report_command", required=True)
    a = rsub.add_parser("annual", help="the annual re-evaluation of the ALPR policy")
    a.add_argument("--year", type=int, default=dt.date.today().year)
    a.add_argument("--out", type=Path, default=Path("annual-report.html"), help="HTML file")
    a.add_argument("--pdf", type=Path, help="PDF file (default: the HTML name with .pdf)")
    a.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    a.add_argument("--retention-days", type=int, default=365)
    _common(a)
    a.set_defaults(func=_annual)


def _annual(args: argparse.Namespace) -> int:
    from alpr.cli.records import _as_user
    from alpr.governance.records import RetentionPolicy
    from alpr.report import build_annual_report

    pdf = None if args.no_pdf else (args.pdf or args.out.with_suffix(".pdf"))

    def work(gov, actor):
        return build_annual_report(gov, actor, args.year, args.out, pdf,
                                   retention=RetentionPolicy(reads_days=args.retention_days))

    try:
        data = _as_user(args, work)
    except RuntimeError as exc:  # PDF engine missing: the HTML is written already
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if data is None:
        return 1
    status = data.summary["status"]
    met, judged = int((status == "met").sum()), int(status.isin(("met", "NOT MET")).sum())
    empty = int((status == "no data").sum())
    print(f"annual report {args.year}: {met} of {judged} targets met"
          + (f"; {empty} without data" if empty else "")
          + f"; wrote {args.out}" + (f" and {pdf}" if pdf else ""))
    return 0
