"""``alpr ingest``, ``alpr search``, ``alpr retention purge`` and ``alpr evidence``: records
through the access-control layer. Each command but ``evidence verify`` signs in as ``--user``
(:mod:`alpr.cli.common`); every act, allowed or denied, lands in the audit trail.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alpr.cli.common import IMAGE_ROOT_HELP, add_login, as_user, utc_option
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, bad_input
from alpr.cli.output import print_jsonl


def register(sub: argparse._SubParsersAction) -> None:
    ing = sub.add_parser("ingest", help="store reads (JSONL or CSV), validated row by row")
    ing.add_argument("reads", type=Path, help="reads .jsonl or .csv")
    ing.add_argument("--batch-size", type=int, default=5000)
    ing.add_argument("--image-root", type=Path, help=IMAGE_ROOT_HELP)
    add_login(ing)
    ing.set_defaults(func=_ingest)

    se = sub.add_parser("search", help="audited search of historical reads")
    se.add_argument("--plate", help="plate, or pattern with ? (one char) and * (any run)")
    se.add_argument("--purpose", required=True, help="law-enforcement purpose (recorded)")
    se.add_argument("--case", dest="case_number", help="case number (recorded; required)")
    se.add_argument("--since", type=utc_option("--since"),
                    help="reads at or after this ISO time, with its UTC offset")
    se.add_argument("--until", type=utc_option("--until"),
                    help="reads before this ISO time, with its UTC offset")
    add_login(se)
    se.set_defaults(func=_search)

    ret = sub.add_parser("retention", help="retention of reads")
    rs = ret.add_subparsers(dest="retention_command", required=True)
    pu = rs.add_parser("purge", help="delete reads past retention unless held")
    pu.add_argument("--days", type=int, default=365,
                    help="retention period for reads, in days (> 0; default 365)")
    pu.add_argument("--dry-run", action="store_true",
                    help="report exactly what the run would delete (reads and image files)")
    pu.add_argument("--image-root", type=Path, help=IMAGE_ROOT_HELP)
    add_login(pu)
    pu.set_defaults(func=_purge)
    _register_evidence(sub)


def _ingest(args: argparse.Namespace) -> int:
    from alpr.contracts.gates import ReadsGate
    from alpr.governance.records import ingest_rows

    if not args.reads.is_file():
        return bad_input(f"{args.reads}: reads file not found")
    gate = ReadsGate(args.reads)  # the reads contract: bad rows reported and left out
    report = as_user(args, lambda gov, actor: ingest_rows(
        gov, actor, gate.rows(), source=str(args.reads), batch_size=args.batch_size))
    if report is None:
        return EXIT_BAD_INPUT
    for err in report.rejected:
        print(f"rejected {args.reads}: {err}", file=sys.stderr)
    dropped = len(gate.left_out)
    print(f"{report}" + (f"; {dropped} more left out by the reads contract" if dropped else ""))
    return EXIT_FINDINGS if report.rejected or dropped else EXIT_OK


def _search(args: argparse.Namespace) -> int:
    from alpr.governance.records import search_reads

    rows = as_user(args, lambda gov, actor: search_reads(
        gov, actor, purpose=args.purpose, case_number=args.case_number, plate=args.plate,
        since=args.since, until=args.until))
    if rows is None:
        return EXIT_BAD_INPUT
    print_jsonl(rows)
    print(f"{len(rows)} read(s); search recorded", file=sys.stderr)
    return EXIT_OK


def _purge(args: argparse.Namespace) -> int:
    from alpr.governance.records import RetentionPolicy, purge

    try:
        policy = RetentionPolicy(reads_days=args.days)
    except ValueError as exc:
        return bad_input(exc)
    report = as_user(args, lambda gov, actor: purge(gov, actor, policy, dry_run=args.dry_run))
    if report is None:
        return EXIT_BAD_INPUT
    print(report)
    return EXIT_OK


def _register_evidence(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("evidence", help="evidence packages for hits (policy II.A.2)")
    evs = ev.add_subparsers(dest="evidence_command", required=True)
    ex = evs.add_parser("export", help="write a hit's evidence package")
    ex.add_argument("hit_id", type=int)
    ex.add_argument("--out", required=True, type=Path)
    ex.add_argument("--image-root", type=Path, help=IMAGE_ROOT_HELP)
    add_login(ex)
    ex.set_defaults(func=_evidence_export)
    ve = evs.add_parser("verify", help="check a package against its manifest")
    ve.add_argument("folder", type=Path)
    ve.set_defaults(func=_evidence_verify)


def _evidence_export(args: argparse.Namespace) -> int:
    from alpr.governance.evidence import export

    manifest = as_user(args, lambda gov, actor: export(gov, actor, args.hit_id, args.out))
    if manifest is None:
        return EXIT_BAD_INPUT
    print(f"evidence package written; manifest {manifest}")
    return EXIT_OK


def _evidence_verify(args: argparse.Namespace) -> int:
    from alpr.governance.evidence import verify

    if not args.folder.is_dir():
        return bad_input(f"{args.folder}: no such folder (an evidence package is the folder "
                         f"`alpr evidence export --out` wrote, with its manifest.json)")
    problems = verify(args.folder)
    for p in problems:
        print(f"{args.folder}: {p}", file=sys.stderr)
    if not problems:
        print(f"{args.folder}: evidence package intact")
    return EXIT_FINDINGS if problems else EXIT_OK
