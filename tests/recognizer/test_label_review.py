"""Label review at smoke size: planted label errors come out on top, the corrections file is
written in the loaders' format and then applied by them, and bad input is refused by name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from alpr.cli import EXIT_BAD_INPUT, EXIT_OK, main
from alpr.datasets import load_crops
from alpr.recognizer.label_review.folds import plate_folds
from alpr.recognizer.label_review.review import ReviewConfig, review_labels
from alpr.synth.writer import write_dataset

PLANTED = {1: "X", 4: "7"}  # row -> the character planted in place of the plate's first


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _planted(plate: str, ch: str) -> str:
    return (ch if plate[0] != ch else "Q") + plate[1:]


@pytest.fixture(scope="module")
def crops(tmp_path_factory) -> tuple[Path, dict[str, tuple[str, str]]]:
    """12 clean synthetic plates (states left empty) with two labels changed by hand:
    (labels.csv, image -> (planted label, true plate))."""
    src = write_dataset(tmp_path_factory.mktemp("synth") / "set", n=12, seed=11,
                        progress=False)
    rows = _rows(src)
    planted = {}
    for i, ch in PLANTED.items():
        wrong = _planted(rows[i]["plate"], ch)
        planted[rows[i]["image"]] = (wrong, rows[i]["plate"])
        rows[i]["plate"] = wrong
    labels = src.parent / "reviewed.csv"
    with open(labels, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "state", "plate"])
        w.writerows([r["image"], "", r["plate"]] for r in rows)
    return labels, planted


@pytest.fixture(scope="module")
def base_review(crops, tmp_path_factory):
    labels, _ = crops
    return review_labels(ReviewConfig(labels=str(labels), folds=0),
                         tmp_path_factory.mktemp("review"), progress=False)


def test_planted_errors_are_ranked_first_and_flagged(crops, base_review):
    _, planted = crops
    top = base_review.rows[:len(planted)]
    assert {r.image for r in top} == set(planted)
    assert {r.image for r in base_review.flags} >= set(planted)
    for r in top:  # the model reads the true plate, with the label all but ruled out
        assert r.read.text == planted[r.image][1]
        assert r.score.p_label < 0.05 < 0.5 < r.score.score
    assert all(r.fold is None for r in base_review.rows)
    assert "base model" in base_review.summary()


def test_folds_keep_each_plate_in_one_fold(crops):
    labels, _ = crops
    items = load_crops(labels, require_state=False).items
    twins = [*items, *[type(it)(it.image, it.plate.replace("0", "O"), None) for it in items]]
    folds = plate_folds(twins, 3)
    assert folds[:len(items)] == folds[len(items):]  # O and 0: one plate, one fold
    assert sorted({folds.count(f) for f in range(3)}) == [8]  # 12 plates dealt 4/4/4


@pytest.mark.slow
def test_out_of_fold_smoke_reads_each_crop_with_a_model_that_never_saw_it(crops, tmp_path):
    labels, planted = crops
    review = review_labels(ReviewConfig(labels=str(labels), folds=2, steps=1, batch_size=4,
                                        workers=0), tmp_path, progress=False)
    assert {r.image for r in review.rows[:len(planted)]} == set(planted)
    for f in (1, 2):
        trained = {row["plate"] for row in _rows(tmp_path / "folds" / f"fold-{f}" / "train.csv")}
        held = {r.item.plate for r in review.rows if r.fold == f}
        assert held and not held & trained
        assert (tmp_path / "folds" / f"fold-{f}" / "model" / "card.json").is_file()


def test_accepted_corrections_are_written_and_the_loader_applies_them(crops, tmp_path, capsys):
    labels, planted = crops
    fixes = tmp_path / "label_corrections.csv"
    fixes.write_text("image,old,new\nelsewhere/a.png,AB1,AB2\n")
    out = tmp_path / "out"
    code = main(["review", "labels", "--labels", str(labels), "--no-finetune", "--out",
                 str(out), "--corrections", str(fixes), "--accept", "0.5"])
    said = capsys.readouterr().out
    assert code == EXIT_OK, said
    assert "2 correction(s) written" in said
    rows = _rows(fixes)
    assert list(rows[0]) == ["image", "old", "new"]
    assert {r["image"]: (r["old"], r["new"]) for r in rows} == {
        "elsewhere/a.png": ("AB1", "AB2"), **planted}
    fixed = {it.image.name: it.plate for it in load_crops(labels, fixes,
                                                          require_state=False).items}
    for image, (_, true) in planted.items():
        assert fixed[Path(image).name] == true
    flags = _rows(out / "flags.csv")
    assert {r["image"] for r in flags[:2]} == set(planted)
    assert flags[0]["rank"] == "1" and float(flags[0]["score"]) >= 0.5
    assert len(_rows(out / "review.csv")) == 12
    assert (out / "gallery.html").read_text().count("<img") == len(flags)
    assert (out / "gallery.png").stat().st_size > 1000


def test_an_accept_file_writes_only_what_it_lists(crops, tmp_path, capsys):
    labels, planted = crops
    first, second = sorted(planted)
    listing = tmp_path / "accept.csv"
    listing.write_text(f"image,new\n{first},\n{second},ZZ999\n")
    fixes = tmp_path / "fixes.csv"
    code = main(["review", "labels", "--labels", str(labels), "--folds", "0", "--out",
                 str(tmp_path / "out"), "--corrections", str(fixes),
                 "--accept-file", str(listing)])
    assert code == EXIT_OK, capsys.readouterr()
    assert {r["image"]: r["new"] for r in _rows(fixes)} == {first: planted[first][1],
                                                            second: "ZZ999"}


@pytest.mark.parametrize("case, expect", [
    ("missing", ["missing.csv", "labels file not found"]),
    ("no image column", ["missing column(s) image", "expected header image,state,plate"]),
    ("too many folds", ["--folds 13", "more folds than the 12 plate(s)", "one fold"]),
    ("one fold", ["--folds 1", "at least 2 folds"]),
    ("accept without file", ["--accept", "--corrections"]),
])
def test_bad_input_is_refused_naming_the_field_and_rule(crops, tmp_path, capsys, case, expect):
    labels, _ = crops
    argv = ["review", "labels", "--labels", str(labels), "--out", str(tmp_path / "out")]
    if case == "missing":
        argv[3] = str(tmp_path / "missing.csv")
    elif case == "no image column":
        bad = tmp_path / "bad.csv"
        bad.write_text("file,state,plate\na.png,,ABC123\n")
        argv[3] = str(bad)
    elif case == "too many folds":
        argv += ["--folds", "13"]
    elif case == "one fold":
        argv += ["--folds", "1"]
    else:
        argv += ["--no-finetune", "--accept", "0.9"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "Traceback" not in err
    for part in expect:
        assert part in err, (part, err)
    assert not (tmp_path / "out").exists()  # nothing made, nothing trained


def test_a_state_the_model_reads_otherwise_is_scored_by_its_margin():
    import numpy as np

    from alpr.recognizer.label_review.score import score_crop

    p = np.full((3, 3), 0.05)
    p[0, 1] = p[1, 0] = p[2, 2] = 0.9  # reads "AB"
    states = np.array([0.1, 0.8, 0.1])  # reads NY at 0.8; the label's CA at 0.1
    s = score_crop(p, "AB", "AB", "AB", states, ("CA", "NY", "TX"), "CA", "NY")
    assert s.text_score == 0.0 and s.state_score is not None
    assert round(s.state_score, 2) == 0.7 and round(s.score, 2) == 0.7
    unlabelled = score_crop(p, "AB", "AB", "AB", states, ("CA", "NY", "TX"), None, "NY")
    assert unlabelled.state_score is None and unlabelled.score == 0.0
