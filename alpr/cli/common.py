"""What commands that sign in share: the ``--user``/``--db`` flags, opening the store and
signing in through the access-control layer (password from ``$ALPR_PASSWORD`` or a prompt),
and the flags and argument types more than one command group uses.

Every act a signed-in command does, allowed or denied, lands in the audit trail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from alpr.cli.errors import bad_input

if TYPE_CHECKING:
    from alpr.governance.access import Actor, Governance

T = TypeVar("T")

DB_HELP = "database URL (default: $ALPR_DATABASE_URL or data/alpr.db)"
IMAGE_ROOT_HELP = ("folder the store's images live under (default: $ALPR_IMAGE_ROOT, else "
                   "images/ beside an SQLite store, else data/images); nothing outside it is "
                   "stored, exported or deleted")


def add_login(p: argparse.ArgumentParser) -> None:
    """The two flags of every command that signs in."""
    p.add_argument("--user", required=True, help="acting user (password: $ALPR_PASSWORD or prompt)")
    p.add_argument("--db", help=DB_HELP)


def _no_terminal(what: str, env: str) -> ValueError:
    return ValueError(f"no {what}: set {env} or run in a terminal to be asked")


def ask_password(prompt: str, what: str, env: str) -> str:
    """``$env``, else asked on the terminal; with neither, a ValueError naming ``env``
    (getpass would warn, then fail, when no terminal is attached)."""
    password = os.environ.get(env)
    if password:
        return password
    if not sys.stdin.isatty():
        raise _no_terminal(what, env)
    try:
        return getpass.getpass(prompt)
    except EOFError:  # no terminal to ask on (a script, a pipe, CI)
        raise _no_terminal(what, env) from None


def sign_in(args: argparse.Namespace) -> tuple[Governance, Actor]:
    """Open the store at ``--db`` (which must exist: nothing is created) and sign in as
    ``--user``; ``--image-root``, where the command has one, confines its image files."""
    from alpr.governance.access import Governance
    from alpr.store.db import make_engine

    gov = Governance(make_engine(args.db, must_exist=True),
                     image_root=getattr(args, "image_root", None))
    password = ask_password(f"password for {args.user}: ", f"password for --user {args.user}",
                            "ALPR_PASSWORD")
    return gov, gov.login(args.user, password)


def as_user(args: argparse.Namespace, work: Callable[[Governance, Actor], T]) -> T | None:
    """Sign in (:func:`sign_in`) and run ``work``; a denial or bad input is printed as one
    ``error:`` line and ``None`` comes back (the caller exits 2)."""
    from alpr.governance.access import AccessDenied

    try:
        gov, actor = sign_in(args)
        return work(gov, actor)
    except (AccessDenied, ValueError, OSError) as exc:
        bad_input(exc)
        return None


def utc_option(name: str) -> Callable[[str], dt.datetime]:
    """An argparse type: an ISO date-time with a UTC offset, in UTC (a naive one refused)."""

    def parse(text: str) -> dt.datetime:
        from alpr.utc import parse_utc

        try:
            return parse_utc(text, name)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def date_option(flag: str) -> Callable[[str], dt.date]:
    """An argparse type: a day ``YYYY-MM-DD``; the error names ``flag``."""

    def parse(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} {text!r}: must be a date YYYY-MM-DD") \
                from None
    return parse
