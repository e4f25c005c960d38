"""``alpr users``: administrators manage the store's users from the host — create, list,
unlock, reset a password, record training and certification. Each command signs in as
``--user`` (password from ``$ALPR_PASSWORD`` or a prompt) and goes through the
access-control layer, so every act, allowed or denied, is in the audit trail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from typing import TYPE_CHECKING

from alpr.cli.common import add_login, as_user, ask_password, date_option
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_OK
from alpr.cli.output import print_jsonl, print_table
from alpr.store.vocabulary import CERTIFICATIONS, ROLES  # SQLAlchemy-free

if TYPE_CHECKING:
    from alpr.governance.access import Actor, Governance
    from alpr.governance.users import UserStanding



def _new_password(username: str) -> str:
    """The new user's password: ``$ALPR_NEW_PASSWORD``, or asked twice on the terminal."""
    password = os.environ.get("ALPR_NEW_PASSWORD")
    if password:
        return password
    what = f"new password for {username}"
    first = ask_password(f"{what}: ", what, "ALPR_NEW_PASSWORD")
    second = ask_password(f"{what} again: ", what, "ALPR_NEW_PASSWORD")
    if first != second:
        raise ValueError(f"{what}: the two entries differ")
    return first


def register(sub: argparse._SubParsersAction) -> None:
    us = sub.add_parser("users", help="administrators: create, list, unlock, reset passwords "
                                      "and certify the store's users (audited)")
    uss = us.add_subparsers(dest="users_command", required=True)

    cr = uss.add_parser("create", help="a new user (password: $ALPR_NEW_PASSWORD or asked "
                                       "twice)")
    cr.add_argument("username", help="2-64 characters: a-z, 0-9, '.', '_', '-'")
    cr.add_argument("--role", required=True, choices=ROLES)
    cr.add_argument("--full-name", required=True)
    cr.add_argument("--certified-until", type=date_option("--certified-until"),
                    help="also record current training and SLED/NCIC certification until "
                         "this day (from today)")
    add_login(cr)
    cr.set_defaults(func=_create)

    ls = uss.add_parser("list", help="every user: role, active, locked, failed sign-ins, "
                                     "certifications")
    ls.add_argument("--format", choices=["table", "jsonl"], default="table")
    add_login(ls)
    ls.set_defaults(func=_list)

    un = uss.add_parser("unlock", help="unlock an account locked by failed logins")
    un.add_argument("username")
    add_login(un)
    un.set_defaults(func=_unlock)

    rp = uss.add_parser("reset-password", help="set a user's password ($ALPR_NEW_PASSWORD or "
                                               "asked twice)")
    rp.add_argument("username")
    add_login(rp)
    rp.set_defaults(func=_reset_password)

    ce = uss.add_parser("certify", help="record training (alpr_training) and/or SLED/NCIC "
                                        "certification (sled_ncic)")
    ce.add_argument("username")
    ce.add_argument("--kind", required=True, choices=[*CERTIFICATIONS, "both"])
    ce.add_argument("--expires", required=True, type=date_option("--expires"),
                    help="last day it is valid (YYYY-MM-DD)")
    ce.add_argument("--issued", type=date_option("--issued"), help="day issued (default today)")
    add_login(ce)
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

    username = as_user(args, work)
    if username is None:
        return EXIT_BAD_INPUT
    until = f", certified until {args.certified_until}" if args.certified_until else ""
    print(f"user {username} created ({args.role}{until}); recorded in the audit trail")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from alpr.governance.users import list_users

    got = as_user(args, lambda gov, actor: (list_users(gov, actor), gov.today()))
    if got is None:
        return EXIT_BAD_INPUT
    users, today = got
    if args.format == "jsonl":
        print_jsonl({"username": u.username, "full_name": u.full_name, "role": u.role,
                     "active": u.active, "locked": u.locked, "failed_logins": u.failed_logins,
                     "certified_until": {k: v.isoformat() if v else None
                                         for k, v in u.certified_until.items()},
                     "missing": u.missing(today)} for u in users)
        return EXIT_OK
    print_table(((u.username, u.role, "yes" if u.active else "no", "yes" if u.locked else "no",
                  u.failed_logins, *(u.certified_until[k] or "-" for k in CERTIFICATIONS),
                  _standing(u, today)) for u in users),
                header=("username", "role", "active", "locked", "failed", *CERTIFICATIONS,
                        "standing"))
    return EXIT_OK


def _standing(u: UserStanding, today: dt.date) -> str:
    missing = u.missing(today)
    return ("inactive" if not u.active else "locked" if u.locked
            else f"no current {' and '.join(missing)}" if missing else "current")


def _unlock(args: argparse.Namespace) -> int:
    def work(gov: Governance, actor: Actor) -> bool:
        gov.unlock(actor, args.username)
        return True

    if as_user(args, work) is None:
        return EXIT_BAD_INPUT
    print(f"user {args.username} unlocked (failed logins cleared); recorded in the audit trail")
    return EXIT_OK


def _reset_password(args: argparse.Namespace) -> int:
    from alpr.governance.users import reset_password

    def work(gov: Governance, actor: Actor) -> bool:
        reset_password(gov, actor, args.username, _new_password(args.username))
        return True

    if as_user(args, work) is None:
        return EXIT_BAD_INPUT
    print(f"password of {args.username} reset; recorded in the audit trail")
    return EXIT_OK


def _certify(args: argparse.Namespace) -> int:
    kinds = list(CERTIFICATIONS) if args.kind == "both" else [args.kind]

    def work(gov: Governance, actor: Actor) -> dt.date:
        issued = args.issued or gov.today()
        for kind in kinds:
            gov.record_certification(actor, args.username, kind, issued, args.expires)
        return issued

    issued = as_user(args, work)
    if issued is None:
        return EXIT_BAD_INPUT
    print(f"{args.username}: {' and '.join(kinds)} recorded, {issued} to {args.expires}; "
          f"recorded in the audit trail")
    return EXIT_OK
