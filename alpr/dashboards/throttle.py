"""Sign-in throttling for the dashboards: exponential back-off per address, per account from
one address, and per account from addresses it has not signed in from.

Pure bookkeeping over a clock (no I/O). A back-off refuses attempts for a while; it never
locks an account, so an outsider's failed posts cannot keep an administrator out: the
administrator's own address, and any address once the back-off has run out, still get in.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """``free`` failures without a wait, then ``base`` seconds doubling per failure, at most
    ``cap``.

    >>> Backoff(free=3, base=1.0, cap=60.0).wait(5)  # 3 free, then 1, 2, 4 s
    4.0
    """

    free: int
    base: float
    cap: float

    def wait(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2.0 ** (failures - self.free))


@dataclass(frozen=True)
class ThrottlePolicy:
    """How hard failed sign-ins are slowed; :meth:`scaled` for a quick test server."""

    pair: Backoff = Backoff(free=3, base=1.0, cap=300.0)  # one account from one address
    address: Backoff = Backoff(free=10, base=1.0, cap=900.0)  # any account from one address
    account: Backoff = Backoff(free=10, base=1.0, cap=300.0)  # one account, other addresses
    forget_after: float = 3600.0  # seconds without a failure after which a key starts over
    known_for: float = 30 * 86400.0  # an address an account signed in from skips its wait
    max_keys: int = 100_000  # oldest keys are dropped beyond this (bounded memory)

    @classmethod
    def scaled(cls, base: float, cap: float) -> ThrottlePolicy:
        """The default thresholds with every back-off starting at ``base`` seconds, at most
        ``cap`` (``alpr serve`` reads them from ``$ALPR_SIGNIN_BACKOFF``)."""
        d = cls()
        return cls(pair=Backoff(d.pair.free, base, cap),
                   address=Backoff(d.address.free, base, cap),
                   account=Backoff(d.account.free, base, cap))


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0


@dataclass(frozen=True)
class Admission:
    """The throttle's answer to one attempt: ``allowed``, or the seconds left to wait and
    which back-off refused it."""

    allowed: bool
    wait: float = 0.0
    by: str = ""


@dataclass
class Throttle:
    """Counts sign-in attempts by key. :meth:`admit` counts an attempt as a failure from the
    moment it is let through (so concurrent posts cannot slip past the count);
    :meth:`succeeded` takes it back."""

    policy: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    clock: Callable[[], float] = time.monotonic
    _counts: OrderedDict[tuple[str, ...], _Count] = field(default_factory=OrderedDict)
    _known: OrderedDict[tuple[str, str], float] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _get(self, key: tuple[str, ...], now: float) -> _Count:
        c = self._counts.get(key)
        if c is None or now - c.last > self.policy.forget_after:
            c = self._counts[key] = _Count()
        self._counts.move_to_end(key)
        while len(self._counts) > self.policy.max_keys:
            self._counts.popitem(last=False)
        return c

    def _keys(self, account: str, address: str) -> list[tuple[tuple[str, ...], Backoff]]:
        p = self.policy
        keys: list[tuple[tuple[str, ...], Backoff]] = [
            (("pair", account, address), p.pair), (("address", address), p.address)]
        known = self._known.get((account, address))
        if known is None or self.clock() - known > p.known_for:
            keys.append((("account", account), p.account))
        else:  # the account's own address: counted, but the account's back-off does not apply
            keys.append((("account", account), Backoff(2**31, 0.0, 0.0)))
        return keys

    def admit(self, account: str, address: str) -> Admission:
        """Let this attempt through (and count it as failed until :meth:`succeeded`), or say
        how long the strictest back-off still has to run."""
        with self._lock:
            now = self.clock()
            keys = self._keys(account, address)
            counts = [(self._get(k, now), b, k[0]) for k, b in keys]
            waits = [(c.last + b.wait(c.failures) - now, by) for c, b, by in counts]
            wait, by = max(waits)
            if wait > 0:
                return Admission(False, wait, by)
            for c, _, _ in counts:
                c.failures += 1
                c.last = now
            return Admission(True)

    def refused(self, address: str) -> None:
        """An attempt refused without being admitted (e.g. a name too long to be anyone's):
        it counts against its address."""
        with self._lock:
            now = self.clock()
            c = self._get(("address", address), now)
            c.failures += 1
            c.last = now

    def succeeded(self, account: str, address: str) -> None:
        """The admitted attempt was right: forget this account's failures from this address,
        take the attempt off the other counts, and remember the address as the account's."""
        with self._lock:
            self._counts.pop(("pair", account, address), None)
            for key in (("address", address), ("account", account)):
                c = self._counts.get(key)
                if c is not None and c.failures:
                    c.failures -= 1
            self._known[(account, address)] = self.clock()
            self._known.move_to_end((account, address))
            while len(self._known) > self.policy.max_keys:
                self._known.popitem(last=False)
