"""Data contracts: each rule rejects hand-made bad data, good data passes, and the entry
points (ingest, hot-list load, evaluate, training) refuse or keep the good rows."""

import json
from pathlib import Path

import pytest
from PIL import Image

from alpr.contracts.frames import balance, read_crops, split_frame
from alpr.contracts.model import ContractFileError
from alpr.contracts.registry import get_contract, validate_file
from alpr.contracts.runner import ContractRefused, validate
from alpr.datasets import LabelledCrop


def lines_of(report, rule_part: str) -> set[int]:
    """Lines flagged by the failure whose rule text contains ``rule_part``."""
    found = [f for f in report.failures if rule_part in f.rule]
    assert found, f"no failure for {rule_part!r} in:\n{report.summary()}"
    return set(found[0].lines)


def jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def read(plate="ABC123", when="2026-05-01T08:00:00Z", **kw):
    return {"read_at": when, "camera": "CAM-1", "plate": plate, "confidence": 0.9, **kw}


# -- reads -----------------------------------------------------------------------------------
READ_CASES = [  # (row, rule it breaks)
    (read(when="2026-05-01T08:00:00"), "ISO 8601 time with a time zone"),
    (read(when="2099-05-01T08:00:00Z"), "not ahead of the ingesting clock"),
    ({**read(), "camera": ""}, "camera is named"),
    (read(plate="AB$123"), "plate is 1-10 letters"),
    (read(plate="ABCDEFGHIJK"), "plate is 1-10 letters"),
    (read(state="Narnia"), "US jurisdiction"),
    ({**read(), "confidence": 1.5}, "confidence is a number in [0, 1]"),
    ({k: v for k, v in read().items() if k != "confidence"}, "confidence is given"),
    (read(state_confidence="high"), "state_confidence"),
    (read(image_sha256="abc"), "64 lower-case hex"),
    (read(box=[0, 0, 0, 10]), "positive width"),
    (read(box=[0, 0, 10, 0]), "positive height"),
    ("not json", "JSON object"),
    (read(plate="abc-123"), "a read appears once"),  # same read as line 1, other spelling
    ({k: v for k, v in read().items() if k != "plate"}, "plate is given"),
    ({k: v for k, v in read().items() if k != "read_at"}, "read_at (the time of the read)"),
]


def test_reads_contract_flags_each_rule_and_keeps_the_good_rows(tmp_path):
    good_first = read("ABC123", state="CA", state_confidence=0.8, image_sha256="a" * 64,
                      box=[1, 2, 30, 15])
    good_last = read("XYZ789", when="2026-05-01T09:00:00-04:00")
    rows = [good_first] + [r for r, _ in READ_CASES] + [good_last]
    report = validate_file("reads", jsonl(tmp_path / "r.jsonl", rows))
    for line, (_, rule_text) in enumerate(READ_CASES, start=2):
        assert line in lines_of(report, rule_text), rule_text
    assert not report.refused
    n = len(rows)
    assert report.bad_lines == frozenset(range(2, n)) and report.rows == n
    example = next(f for f in report.failures if "plate is 1-10" in f.rule).examples[0]
    assert example == {"line": 5, "plate": "AB$123"}


def test_good_reads_pass_and_an_empty_file_is_refused(tmp_path):
    ok = validate_file("reads", jsonl(tmp_path / "ok.jsonl", [read("A1"), read("B2")]))
    assert ok.ok and ok.rows == 2 and "passed" in ok.summary()
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    report = validate_file("reads", empty)
    assert report.refused and "at least one read" in report.summary()


def test_reads_csv_with_missing_columns_is_a_file_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("read_at,plate\n2026-05-01T08:00:00Z,ABC\n")
    with pytest.raises(ContractFileError, match="camera"):
        validate_file("reads", path)


def test_ingest_leaves_out_what_the_contract_rejects(tmp_path, monkeypatch, capsys):
    from sqlalchemy import select
    from store_kit import PW, cli_store

    from alpr.cli import main
    from alpr.store.db import make_engine
    from alpr.store.schema import Read

    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    # the row validator alone would store the future read and the duplicate
    path = jsonl(tmp_path / "r.jsonl", [read("ABC123"), read("ABC124", "2099-01-01T00:00:00Z"),
                                        read("ABC-123"), read("XYZ9")])
    assert main(["ingest", str(path), "--user", "chief", "--db", url]) == 1
    out = capsys.readouterr()
    assert "stored 2 reads" in out.out and "2 more left out by the reads contract" in out.out
    assert "line 2: read_at='2099-01-01T00:00:00Z'" in out.err
    assert "line 3: camera='CAM-1', read_at='2026-05-01T08:00:00Z', plate='ABC-123'" in out.err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert main(["ingest", str(empty), "--user", "chief", "--db", url]) == 2
    assert "REFUSED" in capsys.readouterr().err
    engine = make_engine(url)
    with engine.connect() as c:
        assert sorted(c.scalars(select(Read.plate))) == ["ABC123", "XYZ9"]
    engine.dispose()


# -- hot lists -------------------------------------------------------------------------------
def test_hotlist_contract_flags_each_rule(tmp_path):
    ncic = tmp_path / "list.txt"
    ncic.write_text("ABC1234;VA;stolen vehicle\n# comment\nXYZ;CA;SV;R1;extra\n"
                    "AB$12;CA;SV\nABC999;Narnia;SV\nABC998;CA;parking ticket\nDEF123;;SV\n"
                    "A?;CA;SV\nGHI123;UNK;WANTED\n")
    report = validate_file("hotlist", ncic)
    assert lines_of(report, "3 or 4 fields") == {3}
    assert lines_of(report, "plate is 1-10") == {4, 8}  # bad character; too few known chars
    assert lines_of(report, "state is a US jurisdiction") == {5}
    assert lines_of(report, "department's hot-list categories") == {6}
    assert report.bad_lines == {3, 4, 5, 6, 8} and not report.refused
    csv_list = tmp_path / "list.csv"
    csv_list.write_text("plate,state,category,expires_at\nABC1,CA,SV,2026-12-31\n"
                        "ABC2,CA,SV,next week\nABC3,CA,SV,\n")
    assert lines_of(validate_file("hotlist", csv_list), "expires_at") == {3}


def test_a_file_that_is_mostly_not_a_hot_list_is_refused(tmp_path, monkeypatch, capsys):
    from store_kit import PW, cli_store

    from alpr.cli import main

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("ABC123;CA;SV\nread_at;camera;plate\n2026;CAM-1;ABC\nx;y;z\n")
    report = validate_file("hotlist", wrong)
    assert report.refused and "known category" in report.summary()
    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    assert main(["hotlist", "load", str(wrong), "--user", "chief", "--db", url]) == 2
    assert "REFUSED" in capsys.readouterr().err
    from sqlalchemy import func, select

    from alpr.store.db import make_engine
    from alpr.store.schema import HotListVersion

    engine = make_engine(url)
    with engine.connect() as c:
        assert c.scalar(select(func.count(HotListVersion.id))) == 0
    engine.dispose()


# -- labelled crop manifests -----------------------------------------------------------------
def crops_dir(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "images").mkdir(parents=True, exist_ok=True)
    for name in ("a.png", "b.png", "c.png", "d.png"):
        Image.new("RGB", (16, 8)).save(tmp_path / "images" / name)
    path = tmp_path / "labels.csv"
    path.write_text("image,state,plate\n" + "".join(r + "\n" for r in rows))
    return path


def test_crop_contract_flags_each_rule(tmp_path):
    labels = crops_dir(tmp_path, [
        "images/a.png,CA,7ABC123",       # 2 good
        "images/missing.png,CA,ABC",     # 3 file not found
        f"{tmp_path}/images/b.png,CA,ABC",  # 4 absolute path
        "images/a.png,CA,ZZZ1",          # 5 same image again
        "images/b.png,CA,AB#1",          # 6 plate character
        "images/c.png,Atlantis,ABC",     # 7 state
        "images/c.png,,",                # 8 no plate (and same image as 7)
        ",CA,ABC",                       # 9 no image
        "images/d.png,new york,XYZ 9",   # 10 good (full state name, separator)
    ])
    report = validate_file("crops", labels)
    assert lines_of(report, "image file exists") == {3}
    assert lines_of(report, "relative to the manifest") == {4}
    assert lines_of(report, "labelled once") == {5, 8}
    assert lines_of(report, "plate is 1-10") == {6}
    assert lines_of(report, "US jurisdiction") == {7}
    assert lines_of(report, "plate is given") == {8}
    assert lines_of(report, "image is given") == {9}
    assert report.bad_lines == frozenset(range(3, 10)) and not report.refused


def test_crop_contract_applies_corrections_and_refuses_an_empty_manifest(tmp_path):
    labels = crops_dir(tmp_path, ["images/a.png,CA,AB#1"])
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("image,old,new\nimages/a.png,AB#1,AB1\n")
    assert validate(get_contract("crops"), read_crops(labels, fixes)).ok
    empty = crops_dir(tmp_path / "e", [])
    assert validate_file("crops", empty).refused
    (tmp_path / "bad.csv").write_text("file,plate\nx.png,ABC\n")
    with pytest.raises(ContractFileError, match="missing column"):
        validate_file("crops", tmp_path / "bad.csv")


# -- labelled frame manifests ----------------------------------------------------------------
def frames_dir(tmp_path: Path, rows: list[str]) -> Path:
    """Frames 200x100 (a.png, b.png) and a file that is not an image, with ``rows``."""
    (tmp_path / "images").mkdir(parents=True, exist_ok=True)
    for name in ("a.png", "b.png"):
        Image.new("RGB", (200, 100)).save(tmp_path / "images" / name)
    (tmp_path / "images" / "notes.png").write_text("not an image")
    path = tmp_path / "labels.csv"
    path.write_text("image,x,y,w,h,plate\n" + "".join(r + "\n" for r in rows))
    return path


FRAME_ROWS = [
    "images/a.png,10,20,60,30,7ABC123",     # 2 good
    "images/missing.png,10,20,60,30,ABC",   # 3 file not found
    "images/notes.png,10,20,60,30,ABC",     # 4 not an image
    "images/a.png,150,20,60,30,ABC",        # 5 box past the right edge (150 + 60 > 200)
    "images/b.png,10,80,60,30,ABC",         # 6 box past the bottom (80 + 30 > 100)
    "images/b.png,10,20,60,30,",            # 7 empty text
    "images/b.png,10,20,sixty,30,ABC",      # 8 w not a number
    "images/b.png,10.5,20,60,30,ABC",       # 9 x not whole
    "images/b.png,-1,20,60,30,ABC",         # 10 x negative
    "images/b.png,10,20,60,0,ABC",          # 11 h zero
    "images/b.png,10,20,60,30,AB#1",        # 12 plate character
    f"{Path('/abs')}/a.png,10,20,60,30,ABC",  # 13 absolute path
    "images/b.png,,20,60,30,ABC",           # 14 x missing
    "images/b.png,0,0,200,100,XYZ 9",       # 15 good: the whole frame
]


def test_frame_contract_flags_each_rule_by_line_and_field(tmp_path):
    report = validate_file("frames", frames_dir(tmp_path, FRAME_ROWS))
    assert lines_of(report, "image file exists") == {3, 13}
    assert lines_of(report, "readable image") == {4}
    assert lines_of(report, "inside the image") == {5, 6}
    assert lines_of(report, "plate is given") == {7}
    assert lines_of(report, "w is a whole number") == {8}
    assert lines_of(report, "x is a whole number") == {9, 10}
    assert lines_of(report, "h is a whole number") == {11}
    assert lines_of(report, "plate is 1-10") == {12}
    assert lines_of(report, "relative to the manifest") == {13}
    assert lines_of(report, "x is given") == {14}
    assert report.bad_lines == frozenset(range(3, 15)) and not report.refused
    text = report.summary()
    assert "box lies inside the image" in text and "line 5: image='images/a.png', x='150'" in text
    assert "line 8: w='sixty'" in text  # the field as written


def test_bad_frame_rows_are_reported_and_the_good_ones_train(tmp_path, capsys):
    """The detector's frame list goes through the contract: the two good frames remain (in
    file order), each bad row is named on stderr, nothing is dropped in silence."""
    from alpr.detector.config import DetDataConfig
    from alpr.detector.data import frame_items

    labels = frames_dir(tmp_path, FRAME_ROWS)
    train, val = frame_items(DetDataConfig(real_frames=(str(labels),), val_fraction=0.0))
    assert val == []
    assert [(it.image.name, it.box, it.plate) for it in train] == [
        ("a.png", (10, 20, 60, 30), "7ABC123"), ("b.png", (0, 0, 200, 100), "XYZ9")]
    assert train[0].image == (tmp_path / "images" / "a.png").resolve()
    err = capsys.readouterr().err
    assert f"contract frames on {labels}: 14 row(s): 12 bad row(s) dropped, 2 kept" in err
    assert "inside the image" in err and "line 5" in err


def test_frame_contract_applies_corrections_and_refuses_an_empty_manifest(tmp_path):
    from alpr.contracts.frames import read_labelled_frames
    from alpr.contracts.gates import checked_frames

    labels = frames_dir(tmp_path, ["images/a.png,10,20,60,30,AB#1"])
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("image,old,new\nimages/a.png,AB#1,AB1\n")
    assert validate(get_contract("frames"), read_labelled_frames(labels, fixes)).ok
    assert [it.plate for it in checked_frames(labels, fixes, log=None)[0]] == ["AB1"]
    empty = frames_dir(tmp_path / "e", [])
    with pytest.raises(ContractRefused, match="at least one frame"):
        checked_frames(empty)
    (tmp_path / "bad.csv").write_text("image,x,y,plate\na.png,1,2,ABC\n")
    with pytest.raises(ContractFileError, match="missing column.*w, h"):
        validate_file("frames", tmp_path / "bad.csv")


def test_shipped_frame_sets_pass_and_load_as_before(shared_datasets):
    """On the shared frame sets the contract keeps exactly what the plain loader keeps."""
    from alpr.contracts.gates import checked_frames
    from alpr.datasets import load_frames

    fixes = Path(__file__).resolve().parents[2] / "training" / "label_corrections.csv"
    for name in ("openalpr-us-frames", "openalpr-eu-frames"):
        labels = shared_datasets / name / "labels.csv"
        items, report = checked_frames(labels, fixes, log=None)
        assert report.ok, report.summary()
        assert items == load_frames(labels, corrections=fixes).items


# -- hit verifications -----------------------------------------------------------------------
def test_verification_contract_flags_each_rule(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "hit_id,chars_match,state_match,dispatch_confirmed,outcome,action_taken,verified_at\n"
        "1,true,true,true,confirmed,stop,2026-05-01T08:00:00Z\n"        # 2 good
        "2,true,false,false,misread,,2026-05-01T08:00:00Z\n"            # 3 good
        "3,true,false,true,confirmed,,2026-05-01T08:00:00Z\n"           # 4 confirmed, unchecked
        "4,false,true,true,misread,arrest,2026-05-01T08:00:00Z\n"       # 5 action, unconfirmed
        "5,true,true,true,maybe,,2026-05-01T08:00:00Z\n"                # 6 outcome
        "6,perhaps,true,true,misread,,2026-05-01T08:00:00Z\n"           # 7 boolean
        "7,true,true,true,misread,,2026-05-01 08:00\n"                  # 8 no zone
        "x,true,true,true,misread,,2026-05-01T08:00:00Z\n")             # 9 hit id
    report = validate_file("verifications", path)
    assert lines_of(report, "'confirmed' needs") == {4}
    assert lines_of(report, "only on a confirmed hit") == {5}
    assert lines_of(report, "outcome is one of") == {6}
    assert lines_of(report, "chars_match is true or false") == {7}
    assert lines_of(report, "verified_at") == {8}
    assert lines_of(report, "hit_id is a record number") == {9}
    assert report.bad_lines == frozenset(range(4, 10))


def test_verification_contract_checks_the_plate_and_state_seen(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "hit_id,chars_match,state_match,dispatch_confirmed,outcome,action_taken,verified_at,"
        "seen_plate,seen_state\n"
        "1,false,true,false,misread,,2026-05-01T08:00:00Z,ABC128,CA\n"    # 2 good
        "2,true,true,true,confirmed,,2026-05-01T08:00:00Z,,\n"            # 3 good: not noted
        "3,false,true,false,misread,,2026-05-01T08:00:00Z,AB?128,CA\n"    # 4 wildcard
        "4,true,false,false,wrong_state,,2026-05-01T08:00:00Z,ABC128,XX\n")  # 5 state
    report = validate_file("verifications", path)
    assert lines_of(report, "seen_plate") == {4}
    assert lines_of(report, "seen_state") == {5}
    assert report.bad_lines == frozenset({4, 5})


# -- training / evaluation splits ------------------------------------------------------------
def crop(name: str, plate: str, state: str | None) -> LabelledCrop:
    return LabelledCrop(image=Path(f"/data/{name}.png"), plate=plate, state=state)


def test_a_plate_in_both_splits_refuses_the_split():
    train = [crop("a", "ABO123", "CA"), crop("b", "XYZ1", "NY")]
    evaluation = [crop("c", "AB0123", "CA")]  # the same text once O is folded to 0
    report = validate(get_contract("split"), split_frame(train, evaluation))
    assert report.refused and lines_of(report, "no plate text") == {1, 3}
    same_image = validate(get_contract("split"), split_frame(train, [crop("a", "QQQ9", "CA")]))
    assert same_image.refused and lines_of(same_image, "no image") == {1, 3}


def test_class_balance_is_reported_not_refused():
    train = [crop("a", "A1", "CA"), crop("b", "B1", "CA"), crop("c", "C1", "NY")]
    evaluation = [crop("d", "D1", "CA"), crop("e", "E1", "TX")]
    frame = split_frame(train, evaluation)
    report = validate(get_contract("split"), frame)
    assert not report.refused and lines_of(report, "has training crops") == {5}
    table = balance(frame)
    assert table.loc["CA", "train"] == 2 and table.loc["CA", "eval"] == 1
    assert table.loc["CA", "train_share"] == pytest.approx(2 / 3)
    assert table.loc["TX", "eval_share"] == pytest.approx(1 / 2)
    assert "CA" in report.notes and "class balance" in report.notes


def test_a_plate_text_lives_on_one_side_and_no_crop_is_dropped(tmp_path):
    """Twelve crops of one plate text, which a file-name split would put on both sides, all
    follow their plate to one side; nothing is dropped; and the contract still refuses a
    split that has the text on both sides."""
    from alpr.contracts.gates import check_split
    from alpr.datasets import split, split_key
    from alpr.recognizer.config import DataConfig
    from alpr.recognizer.data import load_pools

    (tmp_path / "images").mkdir()
    names = [f"p{i}.png" for i in range(12)] + [f"q{i}.png" for i in range(12)]
    for n in names:
        Image.new("RGB", (16, 8)).save(tmp_path / "images" / n)
    keys = [split_key(crop(Path(n).stem, "X", None)) for n in names[:12]]
    assert min(keys) < 0.5 <= max(keys)  # a file-name split would cut the one plate in two
    labels = tmp_path / "labels.csv"
    labels.write_text("image,state,plate\n" + "".join(
        f"images/{n},CA,{'SAME1' if n.startswith('p') else 'OTHER' + n[1:-4]}\n"
        for n in names))
    train, tune = load_pools(DataConfig(real_crops=(str(labels),), val_fraction=0.5,
                                        test_fraction=0.0))
    assert {train.plates.count("SAME1"), tune.plates.count("SAME1")} == {0, 12}
    assert len(train) + len(tune) == 24
    assert len(set(train.plates) & set(tune.plates)) == 0
    items = [crop(Path(n).stem, "SAME1", "CA") for n in names[:12]]
    tr, va = split(items, 0.5)
    with pytest.raises(ContractRefused, match="no plate text"):
        check_split(tr, va)


# -- the command -----------------------------------------------------------------------------
def test_validate_command_writes_data_docs(tmp_path, capsys):
    from alpr.cli import main

    bad = jsonl(tmp_path / "r.jsonl", [read("ABC1"), read("AB$1")])
    assert main(["contracts", "validate", "reads", str(bad), "--docs", str(tmp_path / "d")]) == 1
    out = capsys.readouterr().out
    assert "1 bad row(s) dropped, 1 kept" in out and "line 2: plate='AB$1'" in out
    index = tmp_path / "d" / "index.html"
    assert index.is_file() and "reads" in index.read_text()
    pages = list((tmp_path / "d" / "validations").rglob("*.html"))
    assert pages and "AB$1" in pages[0].read_text()
    suite_page = (tmp_path / "d" / "expectations" / "reads.html").read_text()
    assert "camera is named" in suite_page  # the rules, in plain words
    good = jsonl(tmp_path / "ok.jsonl", [read("ABC1")])
    assert main(["contracts", "validate", "reads", str(good)]) == 0
    assert main(["contracts", "validate", "crops", str(tmp_path / "nope.csv")]) == 2
