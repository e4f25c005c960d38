"""Evidence packages for a hit (policy II.A.2: preserve and document reads, alerts and hits
acted on or tied to investigations).

``export`` writes the read, its image, the hot-list entry and version, the model version, the
verifications and the audit excerpt, plus a manifest of SHA-256 hashes; ``verify`` checks a
package: every file against the manifest and the image against the hash recorded at ingest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from alpr.governance.access import Actor, Governance
from alpr.store.images import ImageRoot
from alpr.store.schema import (
    AuditEntry,
    Camera,
    Hit,
    HitVerification,
    HotListEntryRow,
    HotListVersion,
    Read,
)

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str, sort_keys=True))


def export(gov: Governance, actor: Actor, hit_id: int, out: Path,
           image_root: Path | None = None) -> Path:
    """Write the evidence package of ``hit_id`` into the (new or empty) folder ``out``."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"out {out}: folder is not empty")
    with gov._tx() as s:
        gov.authorize(s, actor, "evidence.export", str(hit_id), {"out": str(out)})
        hit = s.get(Hit, hit_id)
        if hit is None:
            raise ValueError(f"hit {hit_id}: no such hit")
        read = s.get(Read, hit.read_id)
        entry = s.get(HotListEntryRow, hit.entry_id)
        assert read is not None and entry is not None  # foreign keys
        version = s.get(HotListVersion, entry.version_id) if entry.version_id else None
        camera = s.get(Camera, read.camera_id)
        verifications = s.execute(select(HitVerification).where(
            HitVerification.hit_id == hit_id).order_by(HitVerification.id)).scalars().all()
        targets = [str(hit_id), str(entry.id), read.plate, entry.plate]
        audit_rows = s.execute(select(AuditEntry).where(or_(*[
            AuditEntry.target == t for t in targets])).order_by(AuditEntry.id)).scalars().all()
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, str] = {}
        _dump(out / "read.json", {**_row(read), "camera": _row(camera) if camera else None})
        _dump(out / "hit.json", _row(hit))
        _dump(out / "hotlist_entry.json", {"entry": _row(entry),
                                           "version": _row(version) if version else None})
        _dump(out / "verifications.json", [_row(v) for v in verifications])
        _dump(out / "audit_excerpt.json", [_row(a) for a in audit_rows])
        image_note = "no image recorded"
        if read.image_path:
            # confined again at export: the row may have been edited since ingest
            images = gov.images if image_root is None else ImageRoot.for_store(
                gov.engine.url.render_as_string(hide_password=False), image_root)
            src, why = images.existing(read.image_path)
            if src is None:
                image_note = f"{why} at export time: not copied"
            else:  # a file changed since ingest is copied too: verify names the change
                shutil.copy2(src, out / ("image" + src.suffix.lower()))
                image_note = "copied"
    for f in sorted(out.iterdir()):
        files[f.name] = _sha256(f)
    _dump(out / MANIFEST, {
        "hit_id": hit_id, "exported_by": actor.username,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "model_version": read.model_version, "image_sha256_at_ingest": read.image_sha256,
        "image": image_note, "files": files,
    })
    return out / MANIFEST


def verify(folder: Path) -> list[str]:
    """Problems found in an evidence package; an empty list means it is intact."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        return [f"{manifest_path}: missing"]
    manifest = json.loads(manifest_path.read_text())
    problems = []
    listed = manifest.get("files", {})
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif _sha256(path) != digest:
            problems.append(f"{name}: contents changed since export (hash mismatch)")
    for extra in sorted(p.name for p in folder.iterdir() if p.name not in listed
                        and p.name != MANIFEST):
        problems.append(f"{extra}: not in the manifest")
    images = [n for n in listed if n.startswith("image")]
    recorded = manifest.get("image_sha256_at_ingest")
    if images and recorded and listed[images[0]] != recorded:
        problems.append(f"{images[0]}: differs from the image hash recorded at ingest")
    return problems
