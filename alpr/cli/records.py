"""``alpr ingest``, ``alpr search`` and ``alpr retention purge``: records through the
access-control layer. Each command logs in as ``--user`` (password from ``$ALPR_PASSWORD`` or
a prompt); every act, allowed or denied, lands in the audit trail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from alpr.governance.access import Actor, Governance

T = TypeVar("T")


def _login(args: argparse.Namespace) -> tuple[Governance, Actor]:
    from alpr.governance.access import Governance
    from alpr.store.db import make_engine

    gov = Governance(make_engine(args.db, must_exist=True),
                     image_root=getattr(args, "image_root", None))
    password = os.environ.get("ALPR_PASSWORD")
    if not password:
        if not sys.stdin.isatty():  # getpass would warn, then fail: say what to do instead
            raise ValueError(f"no password for --user {args.user}: set ALPR_PASSWORD or run "
                             f"in a terminal to be asked")
        try:
            password = getpass.getpass(f"password for {args.user}: ")
        except EOFError:  # no terminal to ask on (a script, a pipe, CI)
            raise ValueError(f"no password for --user {args.user}: set ALPR_PASSWORD or run "
                             f"in a terminal to be asked") from None
    return gov, gov.login(args.user, password)


def _as_user(args: argparse.Namespace, work: Callable[[Governance, Actor], T]) -> T | None:
    """Log in as ``--user`` and run ``work``; a denial or bad input is printed (None back)."""
    from alpr.governance.access import AccessDenied

    try:
        gov, actor = _login(args)
        return work(gov, actor)
    except (AccessDenied, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _utc_option(name: str) -> Callable[[str], dt.datetime]:
    """An argparse type: an ISO date-time with a UTC offset, in UTC (a naive one refused)."""
    from alpr.utc import parse_utc

    def parse(text: str) -> dt.datetime:
        try:
            return parse_utc(text, name)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


IMAGE_ROOT_HELP = ("folder the store's images live under (default: $ALPR_IMAGE_ROOT, else "
                   "images/ beside an SQLite store, else data/images); nothing outside it is "
                   "stored, exported or deleted")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", required=True, help="acting user (password: $ALPR_PASSWORD or prompt)")
    p.add_argument("--db", help="database URL (default: $ALPR_DATABASE_URL or data/alpr.db)")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    ing = sub.add_parser("ingest", help="store reads (JSONL or CSV), validated row by row")
    ing.add_argument("reads", type=Path, help="reads .jsonl or .csv")
    ing.add_argument("--batch-size", type=int, default=5000)
    ing.add_argument("--image-root", type=Path, help=IMAGE_ROOT_HELP)
    _common(ing)
    ing.set_defaults(func=_ingest)

    se = sub.add_parser("search", help="audited search of historical reads")
    se.add_argument("--plate", help="plate, or pattern with ? (one char) and * (any run)")
    se.add_argument("--purpose", required=True, help="law-enforcement purpose (recorded)")
    se.add_argument("--case", dest="case_number", help="case number (recorded; required)")
    se.add_argument("--since", type=_utc_option("--since"),
                    help="reads at or after this ISO time, with its UTC offset")
    se.add_argument("--until", type=_utc_option("--until"),
                    help="reads before this ISO time, with its UTC offset")
    _common(se)
    se.set_defaults(func=_search)

    ret = sub.add_parser("retention", help="retention of reads")
    rs = ret.add_subparsers(dest="retention_command", required=True)
    pu = rs.add_parser("purge", help="delete reads past retention unless held")
    pu.add_argument("--days", type=int, default=365,
                    help="retention period for reads, in days (> 0; default 365)")
    pu.add_argument("--dry-run", action="store_true",
                    help="report exactly what the run would delete (reads and image files)")
    pu.add_argument("--image-root", type=Path, help=IMAGE_ROOT_HELP)
    _common(pu)
    pu.set_defaults(func=_purge)


def add_hotlist_load(hsub: argparse._SubParsersAction) -> None:
    ld = hsub.add_parser("load", help="import a hot-list file into the store as a new version")
    ld.add_argument("file", type=Path, help="NCIC-style ;-delimited file or CSV")
    ld.add_argument("--confirm-shrink", action="store_true",
                    help="administrators: load a version with under half the entries of the "
                         "current one (refused otherwise; the drop is audited)")
    _common(ld)
    ld.set_defaults(func=_hotlist_load)


def _hotlist_load(args: argparse.Namespace) -> int:
    from alpr.contracts.gates import check_hotlist
    from alpr.contracts.model import ContractFileError
    from alpr.governance.hotlists import load_list_checked

    try:  # the contract first: a wrong file is refused before anything is stored
        contract = check_hotlist(args.file)
    except (ContractFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    loaded = _as_user(args, lambda gov, actor: load_list_checked(
        gov, actor, args.file, confirm_shrink=args.confirm_shrink))
    if loaded is None:
        return 2
    version_id, hot, shrink = loaded
    print(f"hot-list version {version_id}: {hot.report()}")
    if shrink is not None:
        print(f"WARNING: {shrink}")
    return 1 if hot.rejections or contract.failures else 0


def _ingest(args: argparse.Namespace) -> int:
    from alpr.contracts.gates import ReadsGate
    from alpr.governance.records import ingest_rows

    if not args.reads.is_file():
        print(f"error: {args.reads}: reads file not found", file=sys.stderr)
        return 2
    gate = ReadsGate(args.reads)  # the reads contract: bad rows reported and left out
    report = _as_user(args, lambda gov, actor: ingest_rows(
        gov, actor, gate.rows(), source=str(args.reads), batch_size=args.batch_size))
    if report is None:
        return 2
    for err in report.rejected:
        print(f"rejected {args.reads}: {err}", file=sys.stderr)
    dropped = len(gate.left_out)
    print(f"{report}" + (f"; {dropped} more left out by the reads contract" if dropped else ""))
    return 1 if report.rejected or dropped else 0


def _search(args: argparse.Namespace) -> int:
    from alpr.governance.records import search_reads

    rows = _as_user(args, lambda gov, actor: search_reads(
        gov, actor, purpose=args.purpose, case_number=args.case_number, plate=args.plate,
        since=args.since, until=args.until))
    if rows is None:
        return 2
    for row in rows:
        print(json.dumps(row, default=str))
    print(f"{len(rows)} read(s); search recorded", file=sys.stderr)
    return 0


def _purge(args: argparse.Namespace) -> int:
    from alpr.governance.records import RetentionPolicy, purge

    try:
        policy = RetentionPolicy(reads_days=args.days)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = _as_user(args, lambda gov, actor: purge(gov, actor, policy, dry_run=args.dry_run))
    if report is None:
        return 2
    print(report)
    return 0


def add_evidence_parsers(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("evidence", help="evidence packages for hits (policy II.A.2)")
    evs = ev.add_subparsers(dest="evidence_command", required=True)
    ex = evs.add_parser("export", help="write a hit's evidence package")
    ex.add_argument("hit_id", type=int)
    ex.add_argument("--out", required=True, type=Path)
    ex.add_argument("--image-root", type=Path, help=IMAGE_ROOT_HELP)
    _common(ex)
    ex.set_defaults(func=_evidence_export)
    ve = evs.add_parser("verify", help="check a package against its manifest")
    ve.add_argument("folder", type=Path)
    ve.set_defaults(func=_evidence_verify)


def _evidence_export(args: argparse.Namespace) -> int:
    from alpr.governance.evidence import export

    manifest = _as_user(args, lambda gov, actor: export(gov, actor, args.hit_id, args.out))
    if manifest is None:
        return 2
    print(f"evidence package written; manifest {manifest}")
    return 0


def _evidence_verify(args: argparse.Namespace) -> int:
    from alpr.governance.evidence import verify

    problems = verify(args.folder)
    for p in problems:
        print(f"{args.folder}: {p}", file=sys.stderr)
    if not problems:
        print(f"{args.folder}: evidence package intact")
    return 1 if problems else 0
