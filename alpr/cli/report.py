"""``alpr report annual``: the annual re-evaluation as HTML and PDF."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from alpr.cli.common import add_login, as_user
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, bad_input

if TYPE_CHECKING:
    from alpr.governance.access import Actor, Governance
    from alpr.report import ReportData


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="reports for command staff")
    rsub = rep.add_subparsers(dest="report_command", required=True)
    a = rsub.add_parser("annual", help="the annual re-evaluation of the ALPR policy")
    a.add_argument("--year", type=int, default=dt.date.today().year)
    a.add_argument("--out", type=Path, default=Path("annual-report.html"), help="HTML file")
    a.add_argument("--pdf", type=Path, help="PDF file (default: the HTML name with .pdf)")
    a.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    a.add_argument("--retention-days", type=int, default=365)
    add_login(a)
    a.set_defaults(func=_annual)


def _annual(args: argparse.Namespace) -> int:
    from alpr.governance.records import RetentionPolicy
    from alpr.report import build_annual_report

    pdf = None if args.no_pdf else (args.pdf or args.out.with_suffix(".pdf"))

    def work(gov: Governance, actor: Actor) -> ReportData:
        return build_annual_report(gov, actor, args.year, args.out, pdf,
                                   retention=RetentionPolicy(reads_days=args.retention_days))

    try:
        data = as_user(args, work)
    except RuntimeError as exc:  # PDF engine missing: the HTML is written already
        bad_input(exc)
        return EXIT_FINDINGS
    if data is None:  # not signed in, or refused: nothing written
        return EXIT_BAD_INPUT
    status = data.summary["status"]
    met, judged = int((status == "met").sum()), int(status.isin(("met", "NOT MET")).sum())
    empty = int((status == "no data").sum())
    print(f"annual report {args.year}: {met} of {judged} targets met"
          + (f"; {empty} without data" if empty else "")
          + f"; wrote {args.out}" + (f" and {pdf}" if pdf else ""))
    return EXIT_OK
