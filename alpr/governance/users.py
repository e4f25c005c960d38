"""Administering the store's users through the access-control layer (policy II.A.4: only
administrators manage users): the rules for names, listing users with their standing,
resetting a password. Every act is authorised as ``users.manage`` and audited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from alpr.governance.access import Actor, Governance, user_named
from alpr.governance.passwords import hash_password
from alpr.store.schema import CERTIFICATIONS, Certification, User

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
USERNAME_RULE = ("2-64 characters: lower-case letters, digits, '.', '_' or '-', starting with "
                 "a letter or digit")


def check_username(username: str) -> str:
    """``username`` if it follows :data:`USERNAME_RULE`, else ValueError naming the rule.

    >>> check_username("ofc.smith")
    'ofc.smith'
    """
    if not USERNAME.fullmatch(username):
        raise ValueError(f"username {username[:70]!r}: must be {USERNAME_RULE}")
    return username


def check_full_name(full_name: str) -> str:
    """The name, trimmed; ValueError when empty, over 200 characters or with control
    characters."""
    name = full_name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise ValueError(f"full name {full_name[:70]!r}: must be 1-200 printable characters")
    return name


@dataclass(frozen=True)
class UserStanding:
    """One user as ``alpr users list`` shows them."""

    username: str
    full_name: str
    role: str
    active: bool
    locked: bool
    failed_logins: int
    certified_until: dict[str, dt.date | None]  # kind -> latest expiry (None: never)

    def missing(self, today: dt.date) -> list[str]:
        return [k for k, until in self.certified_until.items() if until is None or until < today]


def list_users(gov: Governance, actor: Actor) -> list[UserStanding]:
    """Every user with role, state and the latest expiry of each certification."""
    with gov._tx() as s:
        gov.authorize(s, actor, "users.manage", "users", {"list": True})
        expiry = {(uid, kind): until for uid, kind, until in s.execute(
            select(Certification.user_id, Certification.kind,
                   func.max(Certification.expires_on))
            .group_by(Certification.user_id, Certification.kind))}
        return [UserStanding(u.username, u.full_name, u.role, u.active, u.locked,
                             u.failed_logins,
                             {k: expiry.get((u.id, k)) for k in CERTIFICATIONS})
                for u in s.execute(select(User).order_by(User.username)).scalars()]


def reset_password(gov: Governance, actor: Actor, username: str, password: str) -> None:
    """Give ``username`` a new password (at least 10 characters) and clear its failed-login
    count; a locked account stays locked until unlocked."""
    new_hash = hash_password(password)  # checks the length before anything is recorded
    with gov._tx() as s:
        gov.authorize(s, actor, "users.manage", username, {"reset_password": True})
        user = user_named(s, username)
        user.password_hash, user.failed_logins = new_hash, 0
