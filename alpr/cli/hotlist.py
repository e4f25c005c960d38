"""``alpr hotlist``: ``preview`` (which misreads of a plate would still match it; no store)
and ``load`` (import a hot-list file into the store as a new version, signed in)."""

from __future__ import annotations

import argparse
from pathlib import Path

from alpr.cli.common import add_login, as_user
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, bad_input
from alpr.cli.match import add_tolerance, match_config


def register(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser("hotlist", help="hot-list tools")
    hsub = h.add_subparsers(dest="hotlist_command", required=True)
    hp = hsub.add_parser("preview", help="which misreads of a plate would still match it")
    hp.add_argument("plate", help="listed plate, '?' and '*' allowed")
    hp.add_argument("--all", action="store_true", help="list every matching misread")
    add_tolerance(hp)
    hp.set_defaults(func=preview)

    ld = hsub.add_parser("load", help="import a hot-list file into the store as a new version")
    ld.add_argument("file", type=Path, help="NCIC-style ;-delimited file or CSV")
    ld.add_argument("--confirm-shrink", action="store_true",
                    help="administrators: load a version with under half the entries of the "
                         "current one (refused otherwise; the drop is audited)")
    add_login(ld)
    ld.set_defaults(func=load)


def preview(args: argparse.Namespace) -> int:
    from alpr.cli.output import print_table
    from alpr.hotlist.entries import normalize_entry_plate
    from alpr.matcher.preview import misreads
    from alpr.matcher.preview import preview as preview_plate
    from alpr.vocabulary.plate_text import PlateTextError

    try:
        plate = normalize_entry_plate(args.plate)
    except PlateTextError as exc:
        return bad_input(exc)
    config = match_config(args)
    print(preview_plate(plate, config).text())
    if args.all and "?" not in plate and "*" not in plate:
        print_table((text, kind) for text, (kind, _) in misreads(plate, config))
    return EXIT_OK


def load(args: argparse.Namespace) -> int:
    from alpr.contracts.gates import check_hotlist
    from alpr.contracts.model import ContractFileError
    from alpr.governance.hotlists import load_list_checked

    try:  # the contract first: a wrong file is refused before anything is stored
        contract = check_hotlist(args.file)
    except (ContractFileError, ValueError) as exc:
        return bad_input(exc)
    loaded = as_user(args, lambda gov, actor: load_list_checked(
        gov, actor, args.file, confirm_shrink=args.confirm_shrink))
    if loaded is None:
        return EXIT_BAD_INPUT
    version_id, hot, shrink = loaded
    print(f"hot-list version {version_id}: {hot.report()}")
    if shrink is not None:
        print(f"WARNING: {shrink}")
    return EXIT_FINDINGS if hot.rejections or contract.failures else EXIT_OK
