"""The access-control layer every caller goes through (CLI, notebooks, dashboards).

Every operation names an acting user. Only active, unlocked users with current ALPR training
and SLED/NCIC certification may operate the system or read records (policy I.A, I.B); roles
gate administrative acts (II.A). Every allowed act and every denied attempt is recorded in the
audit trail; a denial is committed even when the caller's own work is rolled back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alpr.governance import audit
from alpr.governance.passwords import hash_password, unusable_hash, verify_password
from alpr.governance.permissions import permission
from alpr.store.db import sessions
from alpr.store.images import ImageRoot
from alpr.store.schema import CERTIFICATIONS, ROLES, Camera, Certification, User

LOCKOUT_THRESHOLD = 5


class AccessDenied(PermissionError):
    """An act the policy does not allow; the message names the rule and its clause."""

    def __init__(self, message: str,
                 record: tuple[str, str, str, str] | None = None) -> None:
        super().__init__(message)
        self.record = record  # (user, action, target, reason), written once the caller's
        # transaction has ended: see Governance._tx


# Signs the Actors this process's governance layer issues; never stored, so an Actor made
# by hand (or in another process) is refused.
_ACTOR_SECRET = secrets.token_bytes(32)


class Refused(AccessDenied, ValueError):
    """Bad input that is also a refused act (policy): recorded in the audit trail as a
    denial, and a ``ValueError`` for callers that check the input."""


def user_named(session: Session, username: str) -> User:
    """The store's user ``username``; a ValueError naming it when there is none."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise ValueError(f"username {username!r}: no such user")
    return user


@dataclass(frozen=True)
class Actor:
    """An authenticated user, as returned by :meth:`Governance.login`: ``token`` is the
    governance layer's HMAC over the user and the store, so an ``Actor(...)`` built by the
    caller is refused (and the attempt recorded)."""

    id: int
    username: str
    role: str
    token: str = field(default="", repr=False, compare=False)


class Governance:
    """Policy-enforcing API over the records store."""

    def __init__(self, engine: Engine, today: Callable[[], dt.date] = dt.date.today,
                 lockout_threshold: int = LOCKOUT_THRESHOLD,
                 image_root: Path | str | None = None) -> None:
        self.engine = engine
        self.Session = sessions(engine)
        audit.govern(self.Session)  # audit rows and record digests are written at commit
        self._store = engine.url.render_as_string(hide_password=False)
        self.today = today
        self.lockout_threshold = lockout_threshold
        # where reads' images live; ingest, evidence and retention touch nothing outside it
        self.images = ImageRoot.for_store(engine.url.render_as_string(hide_password=False),
                                          image_root)

    # -- transactions and auditing ------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction. A denial raised inside it is recorded in the audit trail after
        the caller's transaction has rolled back, so the record survives and never waits on
        the caller's own locks."""
        try:
            with self.Session.begin() as session:
                yield session
        except AccessDenied as exc:
            if exc.record is not None:
                user, action, target, reason = exc.record
                exc.record = None
                with self.Session.begin() as s:
                    audit.append(s, user, action, target, {"reason": reason}, allowed=False)
            raise

    def _token(self, user_id: int, username: str, role: str) -> str:
        msg = "\x1f".join((self._store, str(user_id), username, role)).encode()
        return hmac.new(_ACTOR_SECRET, msg, hashlib.sha256).hexdigest()

    def _issue(self, user: User) -> Actor:
        """The Actor for ``user`` as the store holds it now, signed by this process."""
        return Actor(user.id, user.username, user.role,
                     self._token(user.id, user.username, user.role))

    def signed_in(self, username: str) -> Actor:
        """The Actor of a user whose sign-in the caller has already checked (the dashboards'
        signed session cookie), loaded from the store; unknown, inactive or locked users are
        refused and recorded. Not a sign-in: everything else uses :meth:`login`."""
        with self._tx() as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None or not user.active or user.locked:
                raise self._deny(username[:64], "session", username[:200],
                                 "no such active, unlocked user")
            return self._issue(user)

    def authenticate(self, session: Session, actor: Actor, action: str,
                     target: str = "") -> User:
        """The store's user behind ``actor``: refused (and recorded) when the Actor was not
        issued by this process for this store, or no longer matches the user's record."""
        good = isinstance(actor, Actor) and hmac.compare_digest(
            actor.token or "", self._token(actor.id, actor.username, actor.role))
        user = session.get(User, actor.id) if good else None
        if not good:
            reason = (f"the Actor (id {getattr(actor, 'id', None)!r}, role "
                      f"{getattr(actor, 'role', None)!r}) was not issued by this store's "
                      f"governance layer: sign in with Governance.login")
        elif user is None or user.username != actor.username:
            reason = f"the Actor's user (id {actor.id}) is not in the store"
        elif user.role != actor.role:
            reason = (f"the user's role changed since sign-in ({actor.role!r} -> "
                      f"{user.role!r}): sign in again")
        else:
            return user
        raise self._deny(str(getattr(actor, "username", "?"))[:64], action, target, reason)

    def refuse(self, actor: Actor, action: str, target: str, message: str) -> Refused:
        """The exception for an act the procedure refuses (a search without a case number,
        acting on an unconfirmed hit): a ``ValueError`` whose message names the field and
        the rule; raise it inside ``_tx`` and it is recorded as a denial like ``_deny``."""
        name = str(getattr(actor, "username", "?"))[:64]
        return Refused(message, record=(name, action, target[:200], message))

    def _deny(self, username: str, action: str, target: str, reason: str) -> AccessDenied:
        """The exception for a denied act; raise it inside ``_tx`` to have it recorded."""
        return AccessDenied(f"{username}: {action} denied: {reason}",
                            record=(username, action, target, reason))

    def missing_certifications(self, session: Session, user_id: int) -> list[str]:
        """Kinds of certification the user lacks or has let expire, as of today."""
        today = self.today()
        rows = session.execute(
            select(Certification.kind, func.max(Certification.expires_on))
            .where(Certification.user_id == user_id, Certification.issued_on <= today)
            .group_by(Certification.kind)).all()
        valid = {kind for kind, expires in rows if expires >= today}
        return [k for k in CERTIFICATIONS if k not in valid]

    def authorize(self, session: Session, actor: Actor, action: str, target: str = "",
                  detail: dict[str, Any] | None = None) -> User:
        """Check ``actor`` may do ``action`` now; audit it, or record the denial and raise."""
        rule = permission(action)
        user: User | None = self.authenticate(session, actor, action, target)
        reason = None
        if user is None or not user.active:
            reason = "no such active user"
        elif user.locked:
            reason = "account is locked (too many failed logins); an administrator must unlock it"
        elif user.role not in rule.roles:
            reason = (f"role {user.role!r} may not do this (allowed: {', '.join(rule.roles)}; "
                      f"policy {rule.clause})")
        elif rule.needs_certification:
            missing = self.missing_certifications(session, user.id)
            if missing:
                reason = (f"no current {' and '.join(missing)} (policy I.A, I.B: only trained, "
                          f"certified personnel may operate the system or access records)")
        if reason is not None:
            raise self._deny(actor.username, action, target, reason)
        assert user is not None
        audit.append(session, user.username, action, target, detail)
        return user

    # -- users --------------------------------------------------------------------------
    def bootstrap_admin(self, username: str, full_name: str, password: str,
                        certified_until: dt.date) -> Actor:
        """Create the first administrator (only while there are no users)."""
        with self._tx() as s:
            if s.scalar(select(func.count()).select_from(User)):
                raise AccessDenied("bootstrap: users already exist; an administrator must "
                                   "create further users",
                                   record=(username[:64], "users.bootstrap", username[:200],
                                           "users already exist"))
            user = self._new_user(s, username, full_name, "administrator", password)
            for kind in CERTIFICATIONS:
                s.add(Certification(user_id=user.id, kind=kind, issued_on=self.today(),
                                    expires_on=certified_until, recorded_by=user.id))
            audit.append(s, username, "users.bootstrap", username)
            return self._issue(user)

    def _new_user(self, s: Session, username: str, full_name: str, role: str,
                  password: str) -> User:
        if role not in ROLES:
            raise ValueError(f"role {role!r}: must be one of {', '.join(ROLES)}")
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise ValueError(f"username {username!r}: already exists")
        user = User(username=username, full_name=full_name, role=role,
                    password_hash=hash_password(password), failed_logins=0, locked=False,
                    active=True, created_at=dt.datetime.now(dt.UTC))
        s.add(user)
        s.flush()
        return user

    def create_user(self, actor: Actor, username: str, full_name: str, role: str,
                    password: str) -> Actor:
        with self._tx() as s:
            self.authorize(s, actor, "users.manage", username, {"role": role})
            user = self._new_user(s, username, full_name, role, password)
            return self._issue(user)

    def record_certification(self, actor: Actor, username: str, kind: str,
                             issued_on: dt.date, expires_on: dt.date) -> None:
        if kind not in CERTIFICATIONS:
            raise ValueError(f"kind {kind!r}: must be one of {', '.join(CERTIFICATIONS)}")
        if expires_on <= issued_on:
            raise ValueError(f"expires_on {expires_on}: must be after issued_on {issued_on}")
        with self._tx() as s:
            self.authorize(s, actor, "certifications.record", username,
                           {"kind": kind, "expires_on": expires_on.isoformat()})
            uid = user_named(s, username).id
            s.add(Certification(user_id=uid, kind=kind, issued_on=issued_on,
                                expires_on=expires_on, recorded_by=actor.id))

    def unlock(self, actor: Actor, username: str) -> None:
        with self._tx() as s:
            self.authorize(s, actor, "users.manage", username, {"unlock": True})
            user = user_named(s, username)
            user.locked, user.failed_logins = False, 0

    def login(self, username: str, password: str, lock: bool = True) -> Actor:
        """Authenticate; failed attempts are counted and lock the account at the threshold.

        ``lock=False`` neither counts a failure nor locks: the dashboards' sign-in, open to
        anyone who can reach it, throttles by address and account instead, so an outsider
        cannot lock every administrator out (docs/security.md). The password hash is checked
        for unknown and locked users too, so the time taken does not tell them apart; the
        attempted name is recorded cut to the audit trail's 64 characters."""
        name = username[:64]
        with self._tx() as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            matches = verify_password(password, user.password_hash if user is not None
                                      else unusable_hash())
            if user is not None and user.active and not user.locked and matches:
                user.failed_logins = 0
                audit.append(s, username, "login", username)
                return self._issue(user)
            reason = "unknown user or wrong password"
            if user is not None and user.locked:
                reason = "account is locked"
            elif user is not None and lock:
                user.failed_logins += 1
                if user.failed_logins >= self.lockout_threshold:
                    user.locked = True
                    reason = (f"wrong password; account locked after {user.failed_logins} "
                              f"failed logins")
            audit.append(s, name, "login", name, {"reason": reason}, allowed=False)
        raise AccessDenied(f"{name}: login denied: {reason}")

    # -- cameras (policy II.B: equipment out of expected function is removed from service) --
    def add_camera(self, actor: Actor, name: str, kind: str, unit: str | None = None,
                   vehicle: str | None = None, location: str | None = None) -> None:
        with self._tx() as s:
            self.authorize(s, actor, "cameras.manage", name, {"kind": kind})
            s.add(Camera(name=name, kind=kind, unit=unit, vehicle=vehicle, location=location,
                         in_service=True))

    def set_camera_service(self, actor: Actor, name: str, in_service: bool,
                           reason: str | None = None) -> None:
        if not in_service and not (reason and reason.strip()):
            raise ValueError("reason: required when removing a camera from service (II.B)")
        with self._tx() as s:
            self.authorize(s, actor, "cameras.manage", name,
                           {"in_service": in_service, "reason": reason})
            cam = s.execute(select(Camera).where(Camera.name == name)).scalar_one()
            cam.in_service, cam.out_of_service_reason = in_service, (
                None if in_service else reason)

    def cameras(self, actor: Actor) -> list[dict[str, Any]]:
        with self._tx() as s:
            self.authorize(s, actor, "cameras.view")
            return [{"name": c.name, "kind": c.kind, "in_service": c.in_service,
                     "reason": c.out_of_service_reason}
                    for c in s.execute(select(Camera).order_by(Camera.name)).scalars()]

    # -- audit ----------------------------------------------------------------------------
    def verify_audit(self, actor: Actor) -> audit.ChainReport:
        with self._tx() as s:
            self.authorize(s, actor, "audit.verify")
        with self.Session() as s:
            return audit.verify(s)
