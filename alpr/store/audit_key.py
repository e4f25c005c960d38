"""The audit trail's HMAC key and checkpoint folder: kept outside the database, so that a
copy of the database alone can neither forge audit rows nor hide an edit.

Where the key comes from, first match wins: ``$ALPR_AUDIT_KEY`` (the key itself, at least 32
characters; 64 hex characters are read as 32 bytes), ``$ALPR_AUDIT_KEY_FILE`` (a file), else
the default file: ``<database file>.audit-key`` beside a SQLite store, or
``$ALPR_AUDIT_KEY_DIR/<host>-<port>-<database>.key`` (default ``~/.config/alpr/audit-keys``)
for a server. ``alpr db upgrade`` creates the default or named file (mode 0600) when it is
missing and never overwrites one.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_KEY = "ALPR_AUDIT_KEY"
ENV_KEY_FILE = "ALPR_AUDIT_KEY_FILE"
ENV_KEY_DIR = "ALPR_AUDIT_KEY_DIR"
ENV_CHECKPOINT_DIR = "ALPR_AUDIT_CHECKPOINT_DIR"
ENV_CHECKPOINT_EVERY = "ALPR_AUDIT_CHECKPOINT_EVERY"
CHECKPOINT_EVERY = 1000
MIN_KEY_CHARS = 32


class AuditKeyError(RuntimeError):
    """The audit key is missing, unreadable or malformed; the message says what to do."""


@dataclass(frozen=True)
class AuditKey:
    secret: bytes = field(repr=False)
    source: str  # "$ALPR_AUDIT_KEY" or the file's path

    @property
    def key_id(self) -> str:
        """A public fingerprint of the key (16 hex), stored on every row it signs."""
        return hashlib.sha256(b"alpr-audit-key-id:" + self.secret).hexdigest()[:16]


def _sqlite_file(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database).resolve()


def _server_name(url: str) -> str:
    u = make_url(url)
    name = f"{u.host or 'localhost'}-{u.port or 'default'}-{u.database or 'default'}"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def key_path(url: str) -> Path:
    """The key file for the store at ``url`` (``$ALPR_AUDIT_KEY_FILE`` or the default)."""
    named = os.environ.get(ENV_KEY_FILE)
    if named:
        return Path(named).expanduser()
    db_file = _sqlite_file(url)
    if db_file is not None:
        return db_file.with_name(db_file.name + ".audit-key")
    folder = Path(os.environ.get(ENV_KEY_DIR) or Path.home() / ".config" / "alpr" / "audit-keys")
    return folder.expanduser() / f"{_server_name(url)}.key"


def checkpoint_dir(url: str) -> Path:
    """Where the periodic signed checkpoints go (``$ALPR_AUDIT_CHECKPOINT_DIR``, else
    beside the key file: ``<key file>.checkpoints``)."""
    named = os.environ.get(ENV_CHECKPOINT_DIR)
    if named:
        return Path(named).expanduser()
    path = key_path(url)
    return path.with_name(path.name + ".checkpoints")


def checkpoint_every() -> int:
    """Entries between automatic checkpoints (``$ALPR_AUDIT_CHECKPOINT_EVERY``; 0: none)."""
    raw = os.environ.get(ENV_CHECKPOINT_EVERY, str(CHECKPOINT_EVERY))
    try:
        every = int(raw)
    except ValueError:
        raise AuditKeyError(f"{ENV_CHECKPOINT_EVERY}={raw!r}: must be a whole number of "
                            f"entries (0 turns automatic checkpoints off)") from None
    if every < 0:
        raise AuditKeyError(f"{ENV_CHECKPOINT_EVERY}={raw!r}: must not be negative")
    return every


def _parse(text: str, source: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise AuditKeyError(f"audit key from {source}: must be at least {MIN_KEY_CHARS} "
                            f"characters (it has {len(text)})")
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    return text.encode()


def load_key(url: str) -> AuditKey | None:
    """The store's key, or None when there is none (a malformed or exposed key raises)."""
    env = os.environ.get(ENV_KEY)
    if env:
        return AuditKey(_parse(env, f"${ENV_KEY}"), f"${ENV_KEY}")
    path = key_path(url)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(f"audit key {path}: readable by other users (mode "
                            f"{stat.S_IMODE(mode):o}); run `chmod 600 {path}`")
    return AuditKey(_parse(path.read_text(), str(path)), str(path))


def require_key(url: str) -> AuditKey:
    """The store's key; raises, saying where it was looked for, when there is none."""
    key = load_key(url)
    if key is None:
        raise AuditKeyError(f"no audit key: looked in ${ENV_KEY}, ${ENV_KEY_FILE} and "
                            f"{key_path(url)}; `alpr db upgrade` creates one for a new store, "
                            f"or restore the store's key file")
    return key


def ensure_key(url: str) -> tuple[AuditKey, bool]:
    """The store's key, creating its file (mode 0600) when missing; (key, created)."""
    key = load_key(url)
    if key is not None:
        return key, False
    path = key_path(url)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now: use that one
        return require_key(url), False
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return require_key(url), True
