"""Attacks through file paths and image sizes: a read's image must be a file under the
store's image root, at ingest and again when evidence export or retention touches it, and
an image too large to decode safely is refused from its header."""

import datetime as dt
import hashlib
import json
import os
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select, update
from store_kit import PW, add_user, cli_store, department

from alpr.cli import main
from alpr.governance.evidence import export, verify
from alpr.governance.hotlists import load_list
from alpr.governance.records import RetentionPolicy, ingest_rows, place_hold, purge
from alpr.recognizer.preprocess import ImageReadError, load_rgb
from alpr.store.images import ImagePathError, ImageRoot, default_image_root
from alpr.store.schema import Hit, Read

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
OLD = "2025-01-01T08:00:00Z"  # past a year's retention at NOW


def read(plate, image=None, when=OLD, **kw):
    row = {"read_at": when, "camera": "CAM-1", "plate": plate, "confidence": 0.95, **kw}
    if image is not None:
        row["image_path"] = str(image)
    return row


@pytest.fixture
def world(db_url, tmp_path):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    gov.add_camera(admin, "CAM-1", "stationary")
    gov.images.root.mkdir(parents=True, exist_ok=True)
    yield gov, admin, op
    gov.engine.dispose()


def image(gov, name, data=b"\xff\xd8 plate"):
    path = gov.images.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_ingest_refuses_every_path_that_escapes_the_image_root(world, tmp_path):
    gov, admin, op = world
    outside = tmp_path / "secret.txt"
    outside.write_text("not an image")
    (gov.images.root / "link").symlink_to(tmp_path)  # a folder inside that leads out
    good = image(gov, "cam/1.jpg")
    rows = [read("ABC001", outside),  # absolute, outside
            read("ABC002", "../secret.txt"),
            read("ABC003", "cam/../../secret.txt"),
            read("ABC004", "link/secret.txt"),  # symlink out of the root
            read("ABC005", "cam/1.jpg\x00.png"),  # NUL
            read("ABC006", "/etc/passwd"),
            read("ABC007", good),  # absolute, inside
            read("ABC008", "cam/1.jpg")]  # relative to the root
    rep = ingest_rows(gov, op, enumerate(rows, start=1))
    assert rep.stored == 2
    why = {e.line: e.rule for e in rep.rejected}
    assert set(why) == {1, 2, 3, 4, 5, 6} and all(e.field == "image_path" for e in rep.rejected)
    assert "outside the image root" in why[1] and "'..'" in why[2] and "'..'" in why[3]
    assert "through a symlink" in why[4] and "NUL" in why[5]
    with gov.Session() as s:
        stored = set(s.scalars(select(Read.image_path)))
    assert stored == {str(good.resolve())}  # both forms name the same file, kept resolved


def test_the_store_file_is_never_an_image_even_under_the_root(tmp_path):
    db = tmp_path / "alpr.db"
    root = ImageRoot.for_store(f"sqlite:///{db}", tmp_path)
    with pytest.raises(ImagePathError, match="store's own database file"):
        root.confine("alpr.db")
    with pytest.raises(ImagePathError, match="store's own database file"):
        root.confine(str(db) + "-wal")
    assert root.confine("cam/a.jpg") == (tmp_path / "cam" / "a.jpg").resolve()


def test_default_image_root_is_beside_an_sqlite_store(tmp_path, monkeypatch):
    monkeypatch.delenv("ALPR_IMAGE_ROOT", raising=False)
    assert default_image_root(f"sqlite:///{tmp_path / 's.db'}") == tmp_path / "images"
    monkeypatch.setenv("ALPR_IMAGE_ROOT", str(tmp_path / "pics"))
    assert default_image_root(f"sqlite:///{tmp_path / 's.db'}") == tmp_path / "pics"


def _hit_with_image(gov, op, tmp_path, img):
    hot = tmp_path / "ncic.txt"
    hot.write_text("ABC1234;VA;stolen vehicle;V1\n")
    load_list(gov, op, hot)
    ingest_rows(gov, op, [(1, read("ABC1234", img, when="2026-05-31T08:00:00Z", state="VA"))],
                at=NOW)
    with gov.Session() as s:
        return s.scalar(select(Hit.id))


def test_evidence_export_never_copies_a_file_outside_the_root_even_after_a_row_edit(
        world, tmp_path, db_url):
    """The attack: the read's image_path edited in the database to the store's own file
    (or any server file); the package must not carry it and must not pass as complete."""
    gov, admin, op = world
    img = image(gov, "hit.jpg")
    hit_id = _hit_with_image(gov, op, tmp_path, img)
    secret = tmp_path / "secret.key"
    secret.write_text("server secret")
    targets = [str(secret), "../secret.key"]
    if db_url.startswith("sqlite:///"):
        targets.append(db_url[len("sqlite:///"):])
    for n, target in enumerate(targets):
        with gov.engine.begin() as c:  # what raw database access allows
            c.execute(update(Read).values(image_path=target))
        out = tmp_path / f"pkg{n}"
        manifest = json.loads(export(gov, op, hit_id, out).read_text())
        assert not [f for f in manifest["files"] if f.startswith("image")]
        assert "outside the image root" in manifest["image"] or "'..'" in manifest["image"]
        assert "not copied" in manifest["image"]
        assert "server secret" not in "".join(p.read_text() for p in out.glob("image*"))
    with gov.engine.begin() as c:  # the real image, swapped for other bytes under the root
        c.execute(update(Read).values(image_path=str(img), image_sha256="ab" * 32))
    out = tmp_path / "pkg-swapped"
    export(gov, op, hit_id, out)
    assert any("differs from the image hash recorded at ingest" in p for p in verify(out))


def test_retention_touches_no_file_outside_the_root(world, tmp_path, db_url):
    gov, admin, op = world
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    rows = [read(f"OLD{i:03d}", image(gov, f"old{i}.jpg")) for i in range(3)]
    ingest_rows(gov, op, enumerate(rows, start=1))
    paths = [str(victim), "../victim.txt"]
    if db_url.startswith("sqlite:///"):
        paths.append(db_url[len("sqlite:///"):])  # the store itself
    with gov.engine.begin() as c:
        for rid, p in zip([1, 2, 3], paths, strict=False):
            c.execute(update(Read).where(Read.id == rid).values(image_path=p))
    dry = purge(gov, admin, RetentionPolicy(365), now=NOW, dry_run=True)
    rep = purge(gov, admin, RetentionPolicy(365), now=NOW)
    assert victim.read_text() == "keep me"
    if db_url.startswith("sqlite:///"):
        assert Path(db_url[len("sqlite:///"):]).is_file()
    assert rep.deleted == dry.deleted == 3
    assert rep.images_deleted == dry.images_deleted == 3 - len(paths)
    assert len(rep.images_refused) == len(paths) and "left alone" in str(rep)


def test_an_image_shared_with_a_held_read_is_not_deleted(world):
    gov, admin, op = world
    shared = image(gov, "shared.jpg")
    alone = image(gov, "alone.jpg")
    ingest_rows(gov, op, [(1, read("OLD001", shared)), (2, read("HELD01", shared)),
                          (3, read("OLD002", alone))])
    hold = place_hold(gov, admin, "2025-0001", "investigation needs this plate",
                      dt.datetime(2024, 12, 1, tzinfo=dt.UTC),
                      dt.datetime(2025, 2, 1, tzinfo=dt.UTC), plate="HELD01")
    dry = purge(gov, admin, RetentionPolicy(365), now=NOW, dry_run=True)
    rep = purge(gov, admin, RetentionPolicy(365), now=NOW)
    assert (dry.deleted, dry.images_deleted, dry.images_shared) == (2, 1, 1)
    assert (rep.deleted, rep.images_deleted, rep.images_shared) == (2, 1, 1)
    assert shared.is_file() and not alone.exists()
    from alpr.governance.records import release_hold

    release_hold(gov, admin, hold)
    rep = purge(gov, admin, RetentionPolicy(365), now=NOW)
    assert (rep.deleted, rep.images_deleted) == (1, 1) and not shared.exists()


def bomb_png(path: Path, side: int = 30_000) -> Path:
    """A ~0.9 MB grey PNG of side x side pixels (900 Mpx at the default side)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    comp = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path):
    bomb = bomb_png(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(ImageReadError) as err:
        load_rgb(bomb)
    msg = str(err.value)
    assert str(bomb) in msg and "900,000,000 pixels" in msg and "50,000,000 allowed" in msg
    small = bomb_png(tmp_path / "small.png", side=64)  # under the limit: decoded as before
    assert load_rgb(small).shape == (64, 64, 3)


def test_a_jpeg_whose_header_claims_a_huge_frame_is_refused(tmp_path):
    import cv2
    import numpy as np

    ok, buf = cv2.imencode(".jpg", np.full((40, 60, 3), 128, np.uint8))
    data = bytearray(buf.tobytes())
    sof = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    data[sof + 5:sof + 9] = struct.pack(">HH", 60_000, 60_000)
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match="3,600,000,000 pixels, more than the 50,000,000"):
        load_rgb(bomb)


def test_the_fast_header_reader_agrees_with_pillow(tmp_path):
    from PIL import Image

    from alpr.recognizer.preprocess import header_size

    for i, (w, h, fmt, kw) in enumerate([(320, 157, "PNG", {}), (162, 80, "JPEG", {}),
                                         (97, 31, "JPEG", {"progressive": True}),
                                         (50, 20, "JPEG", {"exif": b"Exif\x00\x00" + b"\x00" * 40})]):
        path = tmp_path / f"im{i}.{fmt.lower()}"
        Image.new("RGB", (w, h), "white").save(path, fmt, **kw)
        assert header_size(path.read_bytes()) == (w, h) == Image.open(path).size
    (tmp_path / "x.gif").write_bytes(b"GIF89a")
    assert header_size((tmp_path / "x.gif").read_bytes()) is None  # left to Pillow


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "models" / "plate-ocr" /
                         "model.pt").exists(), reason="no shipped model in models/")
def test_alpr_read_reports_the_bomb_and_reads_the_rest(tmp_path, capsys):
    from PIL import Image

    bomb = bomb_png(tmp_path / "bomb.png")
    ok = tmp_path / "ok.png"
    Image.new("RGB", (96, 32), "white").save(ok)
    assert main(["read", "--crops", str(bomb), str(ok)]) == 1
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert "900,000,000 pixels" in lines[0]["error"] and "plates" in lines[1]


def test_cli_ingest_with_image_root_and_export(tmp_path, monkeypatch, capsys):
    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    root = tmp_path / "pictures"
    (root / "cam").mkdir(parents=True)
    (root / "cam" / "a.jpg").write_bytes(b"jpeg")
    reads = tmp_path / "reads.jsonl"
    reads.write_text("\n".join(json.dumps(r) for r in [
        read("ABC123", "cam/a.jpg", when="2026-05-01T08:00:00Z"),
        read("ABC124", str(tmp_path / "cli.db"), when="2026-05-01T08:00:01Z")]) + "\n")
    assert main(["ingest", str(reads), "--image-root", str(root), "--user", "chief",
                 "--db", url]) == 1
    out = capsys.readouterr()
    assert "stored 1 reads" in out.out and "line 2: image_path=" in out.err
    assert "outside the image root" in out.err and "Traceback" not in out.err
    digest = hashlib.sha256(b"jpeg").hexdigest()
    assert len(digest) == 64 and os.path.isfile(root / "cam" / "a.jpg")
