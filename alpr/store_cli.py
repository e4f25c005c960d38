"""``alpr db`` and ``alpr audit``: migrations and the audit-trail integrity check."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Select


def add_parsers(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="records store: migrations")
    dbs = db.add_subparsers(dest="db_command", required=True)
    up = dbs.add_parser("upgrade", help="create or migrate the store to the latest schema")
    up.add_argument("--db", help="database URL (default: $ALPR_DATABASE_URL or data/alpr.db)")
    up.set_defaults(func=_upgrade)

    au = sub.add_parser("audit", help="the tamper-evident audit trail")
    aus = au.add_subparsers(dest="audit_command", required=True)
    ver = aus.add_parser("verify", help="exit 0 if the hash chain is intact, else name the "
                                        "first bad row")
    ver.add_argument("--db", help="database URL")
    ver.add_argument("--expect-head", help="chain head hash exported earlier (`alpr audit head`)")
    ver.set_defaults(func=_verify)
    head = aus.add_parser("head", help="print the chain's row count and newest hash, to keep "
                                       "outside the database")
    head.add_argument("--db", help="database URL")
    head.set_defaults(func=_head)


def _upgrade(args: argparse.Namespace) -> int:
    from alpr.store.db import upgrade

    url = upgrade(args.db)
    print(f"store at {url.split('@')[-1]} is at the latest schema")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from alpr.governance.audit import verify
    from alpr.store.db import make_engine, sessions

    engine = make_engine(args.db)
    with sessions(engine)() as s:
        report = verify(s)
        head = s.execute(_head_query()).first()
    engine.dispose()
    if report.ok and args.expect_head and (head is None or head[1] != args.expect_head):
        # An anchor kept outside the database must still be in the chain.
        print(f"audit chain does not reach the expected head {args.expect_head[:12]}…",
              file=sys.stderr)
        return 1
    print(report, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def _head_query() -> Select[int, str]:
    from sqlalchemy import select

    from alpr.store.schema import AuditHead

    return select(AuditHead.count, AuditHead.last_hash).where(AuditHead.id == 1)


def _head(args: argparse.Namespace) -> int:
    from alpr.store.db import make_engine

    engine = make_engine(args.db)
    with engine.connect() as c:
        row = c.execute(_head_query()).first()
    engine.dispose()
    print(f"{row[0] if row else 0} {row[1] if row else '0' * 64}")
    return 0
