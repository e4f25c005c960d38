"""Signed checkpoints of the audit chain, kept outside the store.

A checkpoint (an *anchor*) names one chain row by id and hash and the chain's length then,
signed with the audit key. Whoever keeps it can later show the chain still contains that row
and extends it: cutting the newest rows and rewriting the head, or rebuilding the chain, no
longer passes ``alpr audit verify --anchor FILE``. The store writes one every
``$ALPR_AUDIT_CHECKPOINT_EVERY`` entries into its checkpoint folder; ``alpr audit checkpoint
--out FILE`` writes one on demand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from alpr.store.audit_key import AuditKey

FORMAT = "alpr-audit-anchor/1"


class AnchorError(ValueError):
    """An anchor file that cannot be read; the message names the file and the rule."""


@dataclass(frozen=True)
class Anchor:
    id: int  # the anchored row
    hash: str  # its row_hash
    count: int  # rows in the chain when anchored
    key_id: str | None = None
    made_at: str = ""
    mac: str | None = None  # HMAC-SHA256 of the fields above with the audit key
    source: str = ""  # where it was read from (not signed)

    def payload(self) -> bytes:
        return json.dumps([FORMAT, self.id, self.hash, self.count, self.key_id, self.made_at],
                          separators=(",", ":")).encode()

    def signed(self, key: AuditKey) -> Anchor:
        a = replace(self, key_id=key.key_id, mac=None)
        return replace(a, mac=hmac.new(key.secret, a.payload(), hashlib.sha256).hexdigest())

    def signature_ok(self, key: AuditKey) -> bool:
        if self.mac is None or self.key_id != key.key_id:
            return False
        want = hmac.new(key.secret, self.payload(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(want, self.mac)

    def dumps(self) -> str:
        data = {"format": FORMAT, **asdict(self)}
        data.pop("source")
        return json.dumps(data, indent=2) + "\n"

    def __str__(self) -> str:
        return f"{self.source or 'anchor'} (row {self.id}, {self.count} rows, {self.hash[:12]}…)"


def make(entry_id: int, row_hash: str, count: int, key: AuditKey) -> Anchor:
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return Anchor(entry_id, row_hash, count, made_at=at).signed(key)


_HEX64 = re.compile(r"[0-9a-f]{64}")


def parse(text: str, source: str = "") -> Anchor:
    """An anchor from a checkpoint file's JSON, from ``alpr audit head``'s line
    ``COUNT HASH`` (ids run 1..count, so the row is the count-th), or a bare row hash
    (id 0: whichever row has it)."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise AnchorError(f"{source}: format {data.get('format')!r}, expected {FORMAT}")
            a = Anchor(int(data["id"]), str(data["hash"]), int(data["count"]),
                       data.get("key_id"), str(data.get("made_at", "")), data.get("mac"),
                       source)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, AnchorError):
                raise
            raise AnchorError(f"{source}: not an audit anchor ({exc})") from None
    elif _HEX64.fullmatch(text):  # a bare head hash: some row must still have it
        a = Anchor(0, text, 0, source=source)
    else:
        parts = text.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise AnchorError(f"{source or text!r}: expected a checkpoint file, or "
                              f"'COUNT HASH' as printed by `alpr audit head`")
        a = Anchor(int(parts[0]), parts[1], int(parts[0]), source=source)
    if not _HEX64.fullmatch(a.hash):
        raise AnchorError(f"{source}: hash {a.hash!r} must be 64 lower-case hex characters")
    if a.id < 0 or a.count < a.id:
        raise AnchorError(f"{source}: row {a.id} and count {a.count} do not fit")
    return a


def load(path: Path) -> Anchor:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise AnchorError(f"anchor {path}: cannot be read ({exc.strerror})") from None
    return parse(text, str(path))


def load_folder(folder: Path) -> list[Anchor]:
    """Every checkpoint in ``folder`` (none when it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [load(p) for p in sorted(folder.glob("anchor-*.json"))]


def write_checkpoint(folder: Path, anchor: Anchor) -> Path:
    """Write ``anchor`` as ``anchor-<row id>.json`` in ``folder`` (never over an existing
    file)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"anchor-{anchor.id:010d}.json"
    with open(path, "x") as fh:
        fh.write(anchor.dumps())
    return path
