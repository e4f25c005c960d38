"""The dashboards' sign-in: the store's users, throttled, with one message and one timing
for every failure, and failed attempts recorded in the audit trail in bounded form.

Every failure (unknown user, wrong password, locked, not allowed on the dashboards,
throttled) answers :data:`BAD_LOGIN` after the same :attr:`SignInPolicy.failure_seconds`,
so neither the words nor the time tell which accounts exist or that a password was right.
The audit trail still records the real reason of each attempt that reached the store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from alpr.dashboards.throttle import Admission, Throttle, ThrottlePolicy
from alpr.governance import audit
from alpr.governance.access import AccessDenied, Governance
from alpr.governance.passwords import unusable_hash

BAD_LOGIN = ("Sign-in failed: wrong user name or password, or this account may not use the "
             "dashboards now. After several failures, wait a little before trying again.")
MAX_NAME = 64  # the store's user names are at most this long
REFUSED_ACTOR = "(sign-in)"  # the audit actor of attempts refused before the store


def check_login(gov: Governance, username: str, password: str) -> str | None:
    """None if ``username`` may use the dashboards, else :data:`BAD_LOGIN` (whatever the
    reason: the audit trail records it).

    Both steps are audited: the login itself and the ``dashboards.login`` authorisation. A
    wrong password does not count towards the store's hard lockout (``lock=False``): the
    throttle slows guessing instead, so an outsider cannot lock the administrators out."""
    try:
        actor = gov.login(username, password, lock=False)
        with gov._tx() as s:
            gov.authorize(s, actor, "dashboards.login", "dashboards")
    except AccessDenied:
        return BAD_LOGIN
    return None


@dataclass(frozen=True)
class SignInPolicy:
    """Throttling, failure timing and audit bounds of the dashboards' sign-in."""

    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    failure_seconds: float = 1.0  # every failure answers after this long (a check and its
    # audit rows take 0.1-0.5 s, more on a busy host)
    audit_window: float = 60.0  # refused attempts from one address within it: one audit row

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SignInPolicy:
        """Defaults, or ``ALPR_SIGNIN_BACKOFF=BASE,CAP`` (seconds) and
        ``ALPR_SIGNIN_AUDIT_WINDOW=SECONDS`` (e.g. short ones for a test server)."""
        env = dict(os.environ if env is None else env)
        policy = cls()
        raw = env.get("ALPR_SIGNIN_BACKOFF")
        if raw:
            try:
                base, cap = (float(x) for x in raw.split(","))
            except ValueError:
                raise ValueError(f"ALPR_SIGNIN_BACKOFF {raw!r}: must be BASE,CAP in seconds "
                                 f"(e.g. 1,300)") from None
            if not 0 < base <= cap:
                raise ValueError(f"ALPR_SIGNIN_BACKOFF {raw!r}: need 0 < BASE <= CAP")
            policy = cls(throttle=ThrottlePolicy.scaled(base, cap))
        window = env.get("ALPR_SIGNIN_AUDIT_WINDOW")
        if window:
            try:
                seconds = float(window)
            except ValueError:
                seconds = -1.0
            if seconds <= 0:
                raise ValueError(f"ALPR_SIGNIN_AUDIT_WINDOW {window!r}: must be a positive "
                                 f"number of seconds")
            policy = cls(throttle=policy.throttle, audit_window=seconds)
        return policy


@dataclass
class _Bucket:
    first: dt.datetime
    last: dt.datetime
    started: float
    count: int = 0
    names: list[str] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)


class RefusalLog:
    """Attempts refused before the store (throttled, or a name no user can have) become one
    audit row per address and window: ``login.refused`` with the count, the reasons and the
    first five distinct names tried (each cut to 64 characters)."""

    def __init__(self, gov: Governance, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.gov, self.window, self.clock = gov, window, clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    def add(self, address: str, name: str, reason: str) -> None:
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            b = self._buckets.get(address)
            if b is None:
                b = self._buckets[address] = _Bucket(now, now, self.clock())
            b.count += 1
            b.last = now
            b.reasons[reason] += 1
            short = name[:MAX_NAME]
            if len(b.names) < 5 and short not in b.names:
                b.names.append(short)
            if self._flusher is None or not self._flusher.is_alive():
                self._flusher = threading.Thread(target=self._run, daemon=True,
                                                 name="alpr-signin-audit")
                self._flusher.start()

    def _run(self) -> None:
        while True:
            time.sleep(max(0.05, self.window / 4))
            self.flush()
            with self._lock:
                if not self._buckets:
                    self._flusher = None
                    return

    def flush(self, everything: bool = False) -> int:
        """Write the rows of windows that have ended (all with ``everything``); how many."""
        with self._lock:
            due = [a for a, b in self._buckets.items()
                   if everything or self.clock() - b.started >= self.window]
            rows = [(a, self._buckets.pop(a)) for a in due]
        for address, b in rows:
            with self.gov.Session.begin() as s:
                audit.append(s, REFUSED_ACTOR, "login.refused", address, {
                    "attempts": b.count, "reasons": dict(b.reasons), "names": b.names,
                    "first": b.first.isoformat(), "last": b.last.isoformat()}, allowed=False)
        return len(rows)


class SignIn:
    """Checks one sign-in attempt from one address: throttle, then the store."""

    def __init__(self, gov: Governance, policy: SignInPolicy | None = None) -> None:
        self.gov = gov
        self.policy = policy or SignInPolicy()
        self.throttle = Throttle(self.policy.throttle)
        self.refusals = RefusalLog(gov, self.policy.audit_window)
        unusable_hash()  # made once now, so the first unknown name takes no longer than others

    def check(self, username: str, password: str, address: str) -> str | None:
        """The user name signed in, or None (blocking: runs the password hash)."""
        name = username.strip()
        if not name or len(name) > MAX_NAME:
            self.throttle.refused(address)
            self.refusals.add(address, name, "no such user name (empty or over 64 characters)")
            return None
        admission: Admission = self.throttle.admit(name, address)
        if not admission.allowed:
            self.refusals.add(address, name, f"throttled ({admission.by} back-off)")
            return None
        if check_login(self.gov, name, password) is not None:
            return None
        self.throttle.succeeded(name, address)
        return name

    async def attempt(self, username: str, password: str, address: str) -> str | None:
        """:meth:`check` off the event loop; a failure answers only once
        ``failure_seconds`` have passed since the attempt began, whatever the reason."""
        start = time.monotonic()
        loop = asyncio.get_running_loop()
        user = await loop.run_in_executor(None, self.check, username, password, address)
        if user is None:
            await asyncio.sleep(max(0.0, start + self.policy.failure_seconds - time.monotonic()))
        return user

    def close(self) -> None:
        """Write every pending refusal row (at server stop)."""
        self.refusals.flush(everything=True)
