"""Server-side sessions for the dashboards: the cookie holds only a random id; the user, the
sign-out token and the expiry live here, so signing out (or a server restart) ends the
session and the old cookie opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SESSION_HOURS = 12.0  # a shift


@dataclass(frozen=True)
class WebSession:
    """One signed-in browser: who, from where, the token its sign-out form must carry."""

    username: str
    address: str
    csrf: str
    expires: float


def _key(session_id: str) -> str:
    # Only a digest is kept, so the table itself holds nothing a cookie could be made from.
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class SessionTable:
    """Sessions by id, each ending ``lifetime`` seconds after sign-in or at :meth:`end`."""

    lifetime: float = SESSION_HOURS * 3600
    clock: Callable[[], float] = time.time
    _rows: dict[str, WebSession] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, username: str, address: str) -> tuple[str, WebSession]:
        """A new session for ``username``: its id (for the cookie) and its record."""
        session_id = secrets.token_urlsafe(32)
        row = WebSession(username, address, secrets.token_urlsafe(32),
                         self.clock() + self.lifetime)
        with self._lock:
            self._purge()
            self._rows[_key(session_id)] = row
        return session_id, row

    def get(self, session_id: str | None) -> WebSession | None:
        """The live session with this id, or None (unknown, ended or expired)."""
        if not session_id:
            return None
        with self._lock:
            row = self._rows.get(_key(session_id))
            if row is not None and row.expires <= self.clock():
                del self._rows[_key(session_id)]
                row = None
        return row

    def end(self, session_id: str | None) -> WebSession | None:
        """End the session (sign-out); what it was, or None if it was not live."""
        if not session_id:
            return None
        with self._lock:
            return self._rows.pop(_key(session_id), None)

    def end_user(self, username: str) -> int:
        """End every session of ``username``; how many there were."""
        with self._lock:
            keys = [k for k, r in self._rows.items() if r.username == username]
            for k in keys:
                del self._rows[k]
        return len(keys)

    def __len__(self) -> int:
        with self._lock:
            self._purge()
            return len(self._rows)

    def _purge(self) -> None:
        now = self.clock()
        for k in [k for k, r in self._rows.items() if r.expires <= now]:
            del self._rows[k]
