"""``alpr contracts validate KIND PATH [--docs DIR]``: run one contract by hand."""

from __future__ import annotations

import argparse
from pathlib import Path

from alpr.cli.errors import EXIT_FINDINGS, EXIT_OK, bad_input

KINDS = ("reads", "hotlist", "crops", "verifications", "split")


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("contracts", help="data contracts (Great Expectations suites)")
    cs = c.add_subparsers(dest="contracts_command", required=True)
    v = cs.add_parser("validate", help="validate a file against a contract; exit 1 if it "
                                       "breaks a rule")
    v.add_argument("kind", choices=KINDS,
                   help="reads (.jsonl/.csv), hotlist (NCIC-style or .csv), crops "
                        "(image,state,plate CSV), verifications (CSV), split "
                        "(image,state,plate,split CSV or a training config .yaml)")
    v.add_argument("path", type=Path)
    v.add_argument("--docs", type=Path, metavar="DIR",
                   help="write Data Docs (HTML) here; open DIR/index.html")
    v.add_argument("--corrections", type=Path,
                   help="crops only: image,old,new label corrections applied first")
    v.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    from alpr.contracts.model import ContractFileError
    from alpr.contracts.registry import get_contract
    from alpr.contracts.runner import validate

    try:
        contract = get_contract(args.kind)
        if args.kind == "crops" and args.corrections:
            from alpr.contracts.frames import read_crops

            frame = read_crops(args.path, args.corrections)
        elif args.kind == "split" and args.path.suffix.lower() in (".yaml", ".yml"):
            from alpr.recognizer.data import config_split_frame  # training splits it

            frame = config_split_frame(args.path)
        else:
            frame = contract.read(args.path)
    except (ContractFileError, OSError) as exc:
        return bad_input(exc)
    report = validate(contract, frame, source=str(args.path), docs_dir=args.docs)
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_FINDINGS
