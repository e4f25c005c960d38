"""``alpr users``: administrators manage the store's users from the host — create, list,
unlock, reset a password, record training and certification. Each command signs in as
``--user`` (password from ``$ALPR_PASSWORD`` or a prompt) and goes through the
access-control layer, so every act, allowed or denied, is in the audit trail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from alpr.cli.records import _as_user, _common
from alpr.store.vocabulary import CERTIFICATIONS, ROLES

if TYPE_CHECKING:
    from alpr.governance.access import Actor, Governance


def _date(flag: str) -> Callable[[str], dt.date]:
    def parse(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} {text!r}: must be a date YYYY-MM-DD") \
                from None
    return parse


def _new_password(username: str) -> str:
    """The new user's password: ``$ALPR_NEW_PASSWORD``, or asked twice on the terminal."""
    password = os.environ.get("ALPR_NEW_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():  # getpass would warn, then fail: say what to do instead
        raise ValueError(f"no new password for {username}: set ALPR_NEW_PASSWORD or run in a "
                         f"terminal to be asked")
    try:
        first = getpass.getpass(f"new password for {username}: ")
        second = getpass.getpass(f"new password for {username} again: ")
    except EOFError:
        raise ValueError(f"no new password for {username}: set ALPR_NEW_PASSWORD or run in a "
                         f"terminal to be asked") from None
    if first != second:
        raise ValueError(f"new password for {username}: the two entries differ")
    return first


def add_parsers(sub: argparse._SubParsersAction) -> None:
    us = sub.add_parser("users", help="administrators: create, list, unlock, reset passwords "
                                      "and certify the store's users (audited)")
    uss = us.add_subparsers(dest="users_command", required=True)

    cr = uss.add_parser("create", help="a new user (password: $ALPR_NEW_PASSWORD or asked "
                                       "twice)")
    cr.add_argument("username", help="2-64 characters: a-z, 0-9, '.', '_', '-'")
    cr.add_argument("--role", required=True, choices=ROLES)
    cr.add_argument("--full-name", required=True)
    cr.add_argument("--certified-until", type=_date("--certified-until"),
                    help="also record current training and SLED/NCIC certification until "
                         "this day (from today)")
    _common(cr)
    cr.set_defaults(func=_create)

    ls = uss.add_parser("list", help="every user: role, active, locked, failed sign-ins, "
                                     "certifications")
    ls.add_argument("--format", choices=["table", "jsonl"], default="table")
    _common(ls)
    ls.set_defaults(func=_list)

    un = uss.add_parser("unlock", help="unlock an account locked by failed logins")
    un.add_argument("username")
    _common(un)
    un.set_defaults(func=_unlock)

    rp = uss.add_parser("reset-password", help="set a user's password ($ALPR_NEW_PASSWORD or "
                                               "asked twice)")
    rp.add_argument("username")
    _common(rp)
    rp.set_defaults(func=_reset_password)

    ce = uss.add_parser("certify", help="record training (alpr_training) and/or SLED/NCIC "
                                        "certification (sled_ncic)")
    ce.add_argument("username")
    ce.add_argument("--kind", required=True, choices=[*CERTIFICATIONS, "both"])
    ce.add_argument("--expires", required=True, type=_date("--expires"),
                    help="last day it is valid (YYYY-MM-DD)")
    ce.add_argument("--issued", type=_date("--issued"), help="day issued (default today)")
    _common(ce)
    ce.set_defaults(func=_certify)


def _create(args: argparse.Namespace) -> int:
    from alpr.governance.users import check_full_name, check_username

    def work(gov: Governance, actor: Actor) -> str:
        username, full_name = check_username(args.username), check_full_name(args.full_name)
        if args.certified_until is not None and args.certified_until <= gov.today():
            raise ValueError(f"--certified-until {args.certified_until}: must be after today "
                             f"({gov.today()})")
        gov.create_user(actor, username, full_name, args.role, _new_password(username))
        if args.certified_until is not None:
            for kind in CERTIFICATIONS:
                gov.record_certification(actor, username, kind, gov.today(),
                                         args.certified_until)
        return username

    username = _as_user(args, work)
    if username is None:
        return 2
    until = f", certified until {args.certified_until}" if args.certified_until else ""
    print(f"user {username} created ({args.role}{until}); recorded in the audit trail")
    return 0


def _list(args: argparse.Namespace) -> int:
    from alpr.governance.users import list_users

    got = _as_user(args, lambda gov, actor: (list_users(gov, actor), gov.today()))
    if got is None:
        return 2
    users, today = got
    if args.format == "jsonl":
        for u in users:
            print(json.dumps({"username": u.username, "full_name": u.full_name,
                              "role": u.role, "active": u.active, "locked": u.locked,
                              "failed_logins": u.failed_logins,
                              "certified_until": {k: v.isoformat() if v else None
                                                  for k, v in u.certified_until.items()},
                              "missing": u.missing(today)}))
        return 0
    print("username\trole\tactive\tlocked\tfailed\t" + "\t".join(CERTIFICATIONS) + "\tstanding")
    for u in users:
        certs = "\t".join(str(u.certified_until[k] or "-") for k in CERTIFICATIONS)
        missing = u.missing(today)
        standing = ("inactive" if not u.active else "locked" if u.locked
                    else f"no current {' and '.join(missing)}" if missing else "current")
        print(f"{u.username}\t{u.role}\t{'yes' if u.active else 'no'}\t"
              f"{'yes' if u.locked else 'no'}\t{u.failed_logins}\t{certs}\t{standing}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    def work(gov: Governance, actor: Actor) -> bool:
        gov.unlock(actor, args.username)
        return True

    if _as_user(args, work) is None:
        return 2
    print(f"user {args.username} unlocked (failed logins cleared); recorded in the audit trail")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    from alpr.governance.users import reset_password

    def work(gov: Governance, actor: Actor) -> bool:
        reset_password(gov, actor, args.username, _new_password(args.username))
        return True

    if _as_user(args, work) is None:
        return 2
    print(f"password of {args.username} reset; recorded in the audit trail")
    return 0


def _certify(args: argparse.Namespace) -> int:
    kinds = list(CERTIFICATIONS) if args.kind == "both" else [args.kind]

    def work(gov: Governance, actor: Actor) -> dt.date:
        issued = args.issued or gov.today()
        for kind in kinds:
            gov.record_certification(actor, args.username, kind, issued, args.expires)
        return issued

    issued = _as_user(args, work)
    if issued is None:
        return 2
    print(f"{args.username}: {' and '.join(kinds)} recorded, {issued} to {args.expires}; "
          f"recorded in the audit trail", file=sys.stdout)
    return 0
