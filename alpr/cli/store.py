"""``alpr db`` and ``alpr audit``: migrations and the audit-trail integrity check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from alpr.cli.common import DB_HELP
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, bad_input

if TYPE_CHECKING:
    from sqlalchemy import Select

    from alpr.governance.anchors import Anchor


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="records store: migrations")
    dbs = db.add_subparsers(dest="db_command", required=True)
    up = dbs.add_parser("upgrade", help="create or migrate the store to the latest schema")
    up.add_argument("--db", help=DB_HELP)
    up.set_defaults(func=_upgrade)

    au = sub.add_parser("audit", help="the tamper-evident audit trail")
    aus = au.add_subparsers(dest="audit_command", required=True)
    ver = aus.add_parser("verify", help="exit 0 if the keyed chain is intact, contains every "
                                        "anchor and no audited record changed; 1 names the "
                                        "first bad row or each problem; 2: cannot verify "
                                        "(no key)")
    ver.add_argument("--db", help=DB_HELP)
    ver.add_argument("--anchor", action="append", default=[], metavar="FILE",
                     help="a checkpoint kept outside the store (`alpr audit checkpoint`): "
                          "its row must still be in the chain, which must extend it; "
                          "repeatable; the store's own checkpoint folder is always checked")
    ver.add_argument("--expect-head", action="append", default=[], metavar="ANCHOR",
                     help="alias of --anchor that also takes `alpr audit head`'s line "
                          "'COUNT HASH' (or a file holding it)")
    ver.set_defaults(func=_verify)
    head = aus.add_parser("head", help="print the chain's row count and newest hash, to keep "
                                       "outside the database")
    head.add_argument("--db", help=DB_HELP)
    head.set_defaults(func=_head)
    cp = aus.add_parser("checkpoint", help="write a signed checkpoint of the chain's head "
                                           "(an anchor) to keep outside the store")
    cp.add_argument("--db", help=DB_HELP)
    cp.add_argument("--out", required=True, metavar="FILE",
                    help="where to write it (a new file; never overwritten)")
    cp.set_defaults(func=_checkpoint)


def _upgrade(args: argparse.Namespace) -> int:
    from alpr.store.audit_key import AuditKeyError, ensure_key
    from alpr.store.db import make_engine, resolve_url, upgrade

    try:
        make_engine(args.db).dispose()  # a bad URL or driver, said before any file is made
        key, created = ensure_key(resolve_url(args.db))
    except (AuditKeyError, OSError) as exc:
        return bad_input(exc)
    if created:
        print(f"audit key created at {key.source} (mode 0600): back it up and keep it "
              f"outside the database's backups; without it the audit cannot be verified")
    url = upgrade(args.db)
    print(f"store at {url.split('@')[-1]} is at the latest schema")
    return EXIT_OK


def _anchors(args: argparse.Namespace) -> list[Anchor]:
    from alpr.governance.anchors import load, parse

    out = [load(Path(f)) for f in args.anchor]
    for given in args.expect_head:
        path = Path(given)
        out.append(load(path) if path.is_file() else parse(given, "--expect-head"))
    return out


def _verify(args: argparse.Namespace) -> int:
    from alpr.governance.anchors import AnchorError
    from alpr.governance.audit import verify
    from alpr.store.audit_key import AuditKeyError
    from alpr.store.db import make_engine, sessions

    try:
        anchors = _anchors(args)
        engine = make_engine(args.db, must_exist=True)
        with sessions(engine)() as s:
            report = verify(s, anchors)
        engine.dispose()
    except (AnchorError, AuditKeyError, ValueError) as exc:
        return bad_input(exc)
    print(report, file=sys.stdout if report.ok else sys.stderr)
    if report.status == "unverifiable":
        return EXIT_BAD_INPUT
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _checkpoint(args: argparse.Namespace) -> int:
    from alpr.governance.audit import checkpoint
    from alpr.store.audit_key import AuditKeyError
    from alpr.store.db import make_engine, sessions

    out = Path(args.out)
    try:
        engine = make_engine(args.db, must_exist=True)
        with sessions(engine)() as s:
            anchor = checkpoint(s)
        engine.dispose()
        with open(out, "x") as fh:
            fh.write(anchor.dumps())
    except FileExistsError:
        return bad_input(f"--out {out}: already exists; checkpoints are never overwritten")
    except (AuditKeyError, ValueError, OSError) as exc:
        return bad_input(exc)
    print(f"checkpoint of row {anchor.id} ({anchor.count} rows) written to {out}: keep it "
          f"outside the store; `alpr audit verify --anchor {out}` checks the chain still "
          f"contains it")
    return EXIT_OK


def _head_query() -> Select[int, str]:
    from sqlalchemy import select

    from alpr.store.schema import AuditHead

    return select(AuditHead.count, AuditHead.last_hash).where(AuditHead.id == 1)


def _head(args: argparse.Namespace) -> int:
    from alpr.store.db import make_engine

    engine = make_engine(args.db, must_exist=True)
    with engine.connect() as c:
        row = c.execute(_head_query()).first()
    engine.dispose()
    print(f"{row[0] if row else 0} {row[1] if row else '0' * 64}")
    return EXIT_OK
