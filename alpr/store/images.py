"""The store's image root: every read's image lives under one folder, and every path taken
from a reads file or from a database row is resolved and confined there before it is
stored, copied into an evidence package or deleted by retention.

The root is ``--image-root`` where a command offers it, else ``$ALPR_IMAGE_ROOT``, else the
``images/`` folder beside an SQLite store file, else ``data/images`` in the project. It is
configuration outside the database on purpose: a row edited in the database cannot move it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath

ENV = "ALPR_IMAGE_ROOT"
MAX_PATH_CHARS = 1024  # also the store's check on reads.image_path


class ImagePathError(ValueError):
    """A path that is not a file under the image root; the message names the path and rule."""


def default_image_root(url: str | None = None) -> Path:
    """The image root of the store at ``url`` when no ``--image-root`` is given: e.g.
    ``/srv/alpr/images`` for ``sqlite:////srv/alpr/alpr.db`` (unless ``$ALPR_IMAGE_ROOT``)."""
    from alpr.paths import DATA
    from alpr.store.db import resolve_url

    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    resolved = resolve_url(url)
    if resolved.startswith("sqlite:///") and resolved != "sqlite:///:memory:":
        return Path(resolved[len("sqlite:///"):]).parent / "images"
    return DATA / "images"


def _store_files(url: str | None) -> tuple[Path, ...]:
    """The SQLite store's own files (database, WAL, shared memory): never images."""
    from alpr.store.db import resolve_url

    resolved = resolve_url(url)
    if not resolved.startswith("sqlite:///") or resolved == "sqlite:///:memory:":
        return ()
    db = Path(resolved[len("sqlite:///"):]).resolve()
    return (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"),
            db.with_name(db.name + "-journal"))


@dataclass(frozen=True)
class ImageRoot:
    """A resolved image root and the files under it that are never images."""

    root: Path
    protected: tuple[Path, ...] = field(default=())

    @classmethod
    def for_store(cls, url: str | None = None, root: Path | str | None = None) -> ImageRoot:
        """The image root of the store at ``url`` (``root`` overrides the default)."""
        base = Path(root) if root is not None else default_image_root(url)
        return cls(base.expanduser().resolve(), _store_files(url))

    def confine(self, raw: object, field_name: str = "image_path") -> Path:
        """The resolved file ``raw`` names under the root, or :class:`ImagePathError`.

        A relative path is taken under the root; an absolute one must lie under it. ``..``
        components, NUL characters, and symlinks that lead out of the root are refused.
        The file need not exist yet (a read may arrive before its image)."""
        if not isinstance(raw, str | PurePath):
            raise ImagePathError(f"{field_name}: must be a text path, got "
                                 f"{type(raw).__name__}")
        text = str(raw)
        shown = repr(text[:80] + ("…" if len(text) > 80 else ""))
        if not text.strip():
            raise ImagePathError(f"{field_name} {shown}: empty path")
        if "\x00" in text:
            raise ImagePathError(f"{field_name} {shown}: contains a NUL character")
        if len(text) > MAX_PATH_CHARS:
            raise ImagePathError(f"{field_name} {shown}: longer than {MAX_PATH_CHARS} "
                                 f"characters")
        path = Path(text)
        if ".." in path.parts:
            raise ImagePathError(f"{field_name} {shown}: '..' is not allowed in image paths "
                                 f"(they must stay under the image root {self.root})")
        candidate = path if path.is_absolute() else self.root / path
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop, an unreadable folder
            raise ImagePathError(f"{field_name} {shown}: cannot be resolved ({exc})") from None
        if not resolved.is_relative_to(self.root) or resolved == self.root:
            how = "leads (through a symlink) " if candidate.absolute().is_relative_to(
                self.root) else "is "
            raise ImagePathError(f"{field_name} {shown}: {how}outside the image root "
                                 f"{self.root}")
        if resolved in self.protected:
            raise ImagePathError(f"{field_name} {shown}: is the store's own database file, "
                                 f"not an image")
        return resolved

    def stored(self, raw: object, field_name: str = "image_path") -> str:
        """The form kept in ``reads.image_path``: the confined, absolute path."""
        return str(self.confine(raw, field_name))

    def existing(self, raw: str | None) -> tuple[Path | None, str | None]:
        """At use time (export, retention): (the confined regular file, None), or (None, why
        not). A database row can have been edited since ingest, so this is checked again."""
        if not raw:
            return None, "no image recorded"
        try:
            path = self.confine(raw)
        except ImagePathError as exc:
            return None, str(exc)
        if not path.is_file():
            return None, f"image {path} not found"
        return path, None
