from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from alpr.datasets import LabelFileError, load_crops, load_frames, manifest_hash, split


def _img(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((20, 40, 3), np.uint8)).save(path)


def test_good_rows_load_bad_rows_reported_with_line_field_and_rule(tmp_path):
    for n in ("a", "b", "c", "d"):
        _img(tmp_path / "images" / f"{n}.png")
    (tmp_path / "labels.csv").write_text(
        "image,state,plate\n"
        "images/a.png,ca,7abc-123\n"
        "images/b.png,Ontario,ABC123\n"
        "images/c.png,NY,AB*12\n"
        "images/missing.png,TX,XYZ1\n"
        "images/d.png,New York,ABC 1234\n"
    )
    s = load_crops(tmp_path / "labels.csv")
    assert [(i.plate, i.state) for i in s.items] == [("7ABC123", "CA"), ("ABC1234", "NY")]
    errs = {(e.line, e.field) for e in s.errors}
    assert errs == {(3, "state"), (4, "plate"), (5, "image")}
    assert "'*' at position 2" in str(next(e for e in s.errors if e.field == "plate"))


def test_missing_columns_is_an_error_for_the_whole_file(tmp_path):
    (tmp_path / "labels.csv").write_text("image,plate\nx.png,ABC\n")
    with pytest.raises(LabelFileError, match="missing column.*state"):
        load_crops(tmp_path / "labels.csv")
    with pytest.raises(LabelFileError, match="not found"):
        load_crops(tmp_path / "nope.csv")


def test_corrections_are_applied_and_listed(tmp_path):
    _img(tmp_path / "images" / "z.png")
    (tmp_path / "labels.csv").write_text("image,state,plate\nimages/z.png,WY,0\n")
    (tmp_path / "fix.csv").write_text("image,old,new\nimages/z.png,0,00000\n")
    s = load_crops(tmp_path / "labels.csv", corrections=tmp_path / "fix.csv")
    assert s.items[0].plate == "00000" and s.corrected == ["images/z.png"]


def test_frames_validate_boxes(tmp_path):
    _img(tmp_path / "f1.jpg")
    _img(tmp_path / "f2.jpg")
    (tmp_path / "frames.csv").write_text(
        "image,x,y,w,h,plate\nf1.jpg,1,2,10,5,ABC1\nf2.jpg,1,2,0,5,ABC2\nf2.jpg,a,2,3,5,ABC3\n")
    s = load_frames(tmp_path / "frames.csv")
    assert [i.box for i in s.items] == [(1, 2, 10, 5)]
    assert [e.line for e in s.errors] == [3, 4]


def test_split_is_deterministic_and_disjoint(tmp_path):
    for i in range(40):
        _img(tmp_path / f"{i}.png")
    rows = "".join(f"{i}.png,CA,A{i}\n" for i in range(40))
    (tmp_path / "l.csv").write_text("image,state,plate\n" + rows)
    items = load_crops(tmp_path / "l.csv").items
    tr, va = split(items, 0.25)
    tr2, va2 = split(list(reversed(items)), 0.25)
    assert {i.image for i in va} == {i.image for i in va2}
    assert not {i.image for i in tr} & {i.image for i in va}
    assert 3 <= len(va) <= 18
    assert manifest_hash(items) == manifest_hash(list(reversed(items)))


def test_a_frame_box_outside_its_image_is_reported_not_kept(tmp_path):
    _img(tmp_path / "f1.jpg")  # 40 x 20
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    (tmp_path / "frames.csv").write_text(
        "image,x,y,w,h,plate\nf1.jpg,30,2,10,5,ABC1\nf1.jpg,31,2,10,5,ABC2\n"
        "f1.jpg,1,16,10,5,ABC3\nbad.jpg,1,1,2,2,ABC4\n")
    s = load_frames(tmp_path / "frames.csv")
    assert [i.plate for i in s.items] == ["ABC1"]
    assert [(e.line, e.field) for e in s.errors] == [(3, "x,y,w,h"), (4, "x,y,w,h"),
                                                      (5, "image")]
    assert "inside the 40x20 image" in s.errors[0].rule
