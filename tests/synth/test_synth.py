"""Tests of the synthetic plate generator: determinism, labels, drawn text, dataset writer."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from alpr.synth import PlateRenderer, fonts, render_gallery, write_dataset
from alpr.synth.writer import DatasetWriteError
from alpr.vocabulary.jurisdictions import UnknownJurisdictionError, codes
from alpr.vocabulary.plate_text import PlateTextError

CANONICAL = re.compile(r"^[A-Z0-9]{2,10}$")


def _norm(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float32) - a.mean()
    return a / (np.linalg.norm(a) + 1e-6)


def _read_box(image: np.ndarray, box: tuple[int, int, int, int]) -> str:
    """Template-match one char box against every serial glyph of every font."""
    x0, y0, x1, y1 = box
    crop = _norm(cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY))
    best, best_char = -1.0, ""
    for font in fonts.SERIAL_FONTS:
        for ch in fonts.SERIAL_CHARS:
            t = cv2.resize(fonts.glyph(font, ch).mask, (x1 - x0, y1 - y0),
                           interpolation=cv2.INTER_AREA)
            score = abs(float((crop * _norm(t)).sum()))  # abs: dark or light ink
            if score > best:
                best, best_char = score, ch
    return best_char


def _same(a: str, b: str) -> bool:
    return a == b or {a, b} <= {"O", "0"}


def test_same_seed_same_pixels_and_different_seed_differs() -> None:
    a = [PlateRenderer(seed=3).render() for _ in range(1)]
    r1, r2, r3 = PlateRenderer(seed=3), PlateRenderer(seed=3), PlateRenderer(seed=4)
    for _ in range(10):
        p1, p2, p3 = r1.render(), r2.render(), r3.render()
        assert np.array_equal(p1.image, p2.image)
        assert (p1.text, p1.state, p1.char_boxes) == (p2.text, p2.state, p2.char_boxes)
    assert not np.array_equal(p1.image, p3.image)
    assert np.array_equal(a[0].image, PlateRenderer(seed=3).render().image)


def test_random_plates_have_valid_labels_and_shape() -> None:
    r = PlateRenderer(seed=1)
    known = set(codes())
    lengths = set()
    for _ in range(150):
        p = r.render()
        assert p.image.shape == (128, 256, 3) and p.image.dtype == np.uint8
        assert CANONICAL.match(p.text), p.text
        assert p.state in known
        assert p.printed.replace("-", "").replace(" ", "") == p.text
        assert len(p.char_boxes) == len(p.text)
        lengths.add(len(p.text))
    assert min(lengths) <= 4 and max(lengths) >= 7


def test_given_state_and_text_are_honoured() -> None:
    r = PlateRenderer(seed=2, size=(200, 100))
    p = r.render(state="nj", text="abc-12 3")
    assert (p.state, p.text, p.printed) == ("NJ", "ABC123", "ABC-12 3")
    assert p.image.shape == (100, 200, 3)
    assert r.render(state="Texas").state == "TX"


def test_bad_input_raises() -> None:
    r = PlateRenderer(seed=0)
    with pytest.raises(UnknownJurisdictionError):
        r.render(state="XX")
    with pytest.raises(PlateTextError):
        r.render(text="AB$12")
    with pytest.raises(PlateTextError):
        r.render(text="---")
    with pytest.raises(ValueError, match="size"):
        PlateRenderer(size=(8, 4))


def test_char_boxes_are_ordered_inside_and_disjoint() -> None:
    r = PlateRenderer(seed=5)
    for _ in range(100):
        p = r.render()
        h, w = p.image.shape[:2]
        for (x0, y0, x1, y1) in p.char_boxes:
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
            assert (y1 - y0) >= 0.2 * h  # serial characters are big
        for a, b in zip(p.char_boxes, p.char_boxes[1:], strict=False):
            assert a[2] <= b[0], (p.text, p.char_boxes)


def test_drawn_characters_match_the_label() -> None:
    """Read every char box back by template matching: labels must match the drawing."""
    r = PlateRenderer(seed=11)
    plates = [r.render() for _ in range(10)] + [r.render(text=t) for t in ("HHHH", "1111")]
    hits = total = 0
    shuffled_hits = 0
    for p in plates:
        reads = [_read_box(p.image, b) for b in p.char_boxes]
        hits += sum(_same(a, b) for a, b in zip(reads, p.text, strict=True))
        shuffled_hits += sum(_same(a, b) for a, b in zip(reads, p.text[::-1], strict=True))
        total += len(p.text)
    assert hits / total >= 0.95, hits / total
    assert shuffled_hits / total < 0.6  # the check has teeth: a wrong order would fail it


def test_hhhh_and_1111_differ_in_ink_inside_boxes() -> None:
    r1, r2 = PlateRenderer(seed=9), PlateRenderer(seed=9)  # identical layout choices
    h, one = r1.render(state="OH", text="HHHH"), r2.render(state="OH", text="1111")
    wh = np.mean([b[2] - b[0] for b in h.char_boxes])
    w1 = np.mean([b[2] - b[0] for b in one.char_boxes])
    assert wh > 1.3 * w1  # an H is much wider than a 1 in every serial font


def test_fonts_resolve_from_installed_packages() -> None:
    paths = fonts.check_fonts()
    assert all(p.is_file() for p in paths.values())
    with pytest.raises(fonts.FontNotFoundError, match="unknown font"):
        fonts.font_path("Comic-Sans")


def test_write_dataset_matches_real_format(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    csv_path = write_dataset(out, n=6, seed=1, augment=True, size=(160, 80), progress=False)
    assert csv_path == out / "labels.csv"
    df = pd.read_csv(csv_path, dtype=str)
    assert list(df.columns) == ["image", "state", "plate"]
    assert len(df) == 6
    for row in df.itertuples():
        with Image.open(out / row.image) as im:
            assert im.size == (160, 80) and im.mode == "RGB"
        assert CANONICAL.match(row.plate)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n"] == 6 and manifest["seed"] == 1 and manifest["augment"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synth"]  # no temp dir left


def test_write_dataset_rejects_bad_n_and_non_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n=0"):
        write_dataset(tmp_path / "a", n=0, progress=False)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not empty"):
        write_dataset(tmp_path / "full", n=2, progress=False)
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["x.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_dir_leaves_nothing_behind(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(DatasetWriteError, match="not writable"):
            write_dataset(locked / "out", n=2, progress=False)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_failure_midway_leaves_nothing_behind(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = PlateRenderer.render

    def flaky(self: PlateRenderer, *a: object, **k: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom")
        return real(self)

    monkeypatch.setattr(PlateRenderer, "render", flaky)
    with pytest.raises(RuntimeError, match="boom"):
        write_dataset(tmp_path / "out", n=5, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_render_gallery(tmp_path: Path) -> None:
    path = render_gallery(tmp_path / "g" / "gallery.png", n=5, seed=0, cols=2)
    with Image.open(path) as im:
        assert im.size[0] > 2 * 256 and im.size[1] > 3 * 128


def test_parent_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    with pytest.raises(DatasetWriteError, match="not writable"):
        write_dataset(blocker / "out", n=2, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]
