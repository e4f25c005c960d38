"""The review queue of verified and unsure reads (alpr.governance.review_queue): ranked with
a reason each, officer-labelled crops in the crop contract, the rest to label, audited."""

import argparse
import csv
import datetime as dt
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from sim_kit import smoke_department  # noqa: F401  (the fixture)
from sqlalchemy import select
from store_kit import PW, add_user, department

from alpr.cli import review_queue as cli_review_queue
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_OK, run_command
from alpr.contracts.frames import read_crops
from alpr.contracts.registry import get_contract
from alpr.contracts.runner import validate
from alpr.governance.access import AccessDenied, Governance
from alpr.governance.hotlists import load_list, start_shift, verify_hit
from alpr.governance.records import ingest_rows
from alpr.governance.review_queue import (
    CORRECTED,
    DISAGREE,
    FLAGGED,
    LOW,
    QueueOptions,
    export_review_queue,
)
from alpr.governance.verified_crops import collect_verified_crops
from alpr.store.db import make_engine
from alpr.store.schema import AuditEntry, Camera, Hit, HitVerification, HotListEntryRow, Read

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)

# read id -> (plate, state, confidence); the ids are the store's, in ingest order
READS = {1: ("ABC1234", "VA", 0.85),   # exact hit, confirmed: right, but unsure
         2: ("A8C1234", "VA", 0.97),   # confusable + exact hits: the officer saw ABC1234
         3: ("8XYZ99", "NV", 0.95),    # exact hit, the officer saw a CA plate
         4: ("QQQ111", None, 0.55),    # no hit, unsure
         5: ("ZZZ999", "TX", 0.99),    # no hit, sure: not in the queue
         6: ("KLM555", "TX", 0.92),    # exact hit, other characters on the car, none noted
         7: ("Q0Q112", None, 0.70)}    # no hit, unsure


class ViewReader:
    """A recognizer stand-in for the re-reads: each stored crop is filled with its read id,
    and each of its five jitter views reads the text ``views`` gives for that id (else the
    stored read)."""

    def __init__(self, views: dict[int, list[str]]) -> None:
        self.views: dict[int, list[str]] = views
        self.seen: dict[int, int] = {}

    def read_crops(self, images):
        out = []
        for im in images:
            rid = int(im[im.shape[0] // 2, im.shape[1] // 2, 0])
            n = self.seen[rid] = self.seen.get(rid, -1) + 1
            text = self.views.get(rid, [READS[rid][0]] * 5)[n % 5]
            out.append(argparse.Namespace(text=text))
        return out


@pytest.fixture
def store(db_url, tmp_path):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    staff = add_user(gov, admin, "data1", role="data_staff")
    add_user(gov, admin, "lapsed", role="data_staff", certified=False)
    gov.add_camera(admin, "CAM-1", "stationary")
    hot = tmp_path / "ncic.txt"
    hot.write_text("ABC1234;VA;stolen vehicle\nA8C1234;VA;stolen vehicle\n"
                   "8XYZ99;CA;wanted person\nKLM555;TX;stolen vehicle\n")
    load_list(gov, op, hot)
    start_shift(gov, op, "Unit 12")
    folder = gov.images.root / "reads"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for rid, (plate, state, conf) in READS.items():
        image = folder / f"{rid}.png"
        cv2.imwrite(str(image), np.full((40, 120, 3), rid, np.uint8))
        rows.append((rid, {"read_at": (NOW - dt.timedelta(minutes=10 - rid)).isoformat(),
                           "camera": "CAM-1", "plate": plate, "state": state,
                           "confidence": conf, "state_confidence": 0.93 if state else None,
                           "image_path": f"reads/{rid}.png"}))
    assert ingest_rows(gov, op, rows).stored == len(READS)
    with gov.Session() as s:
        hits = s.execute(select(Hit.id, Read.id, HotListEntryRow.plate)
                         .join(Read, Read.id == Hit.read_id)
                         .join(HotListEntryRow, HotListEntryRow.id == Hit.entry_id)
                         .order_by(Hit.id)).all()
    # what the officer saw on each car; on read 6's, other characters, not noted
    seen: dict[int, tuple[str | None, str | None]] = {
        1: ("ABC1234", "VA"), 2: ("ABC1234", "VA"), 3: ("8XYZ99", "CA"), 6: (None, None)}
    for hit_id, read_id, listed in hits:
        seen_plate, seen_state = seen[read_id]
        kw: dict[str, Any]
        if seen_plate == listed:
            kw = dict(chars_match=True, state_match=True, dispatch_confirmed=True,
                      outcome="confirmed")
        else:
            kw = dict(chars_match=False, state_match=True, dispatch_confirmed=False,
                      outcome="misread")
        verify_hit(gov, op, hit_id, seen_plate=seen_plate, seen_state=seen_state, **kw)
    # ABC1234 and A8C1234 each match both listings (exactly, and as confusables)
    assert sorted(r for _, r, _ in hits) == [1, 1, 2, 2, 3, 6]
    yield gov, admin, staff
    gov.engine.dispose()


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_officer_corrections_first_unsure_reads_to_label(store, tmp_path) -> None:
    gov, _, staff = store
    q = export_review_queue(gov, staff, tmp_path / "q", QueueOptions(reread=False))
    # 2: a plate the officer corrected, read with 0.97; 6: a misread noted without the plate;
    # 3: the state corrected; then the unsure reads, least sure first; 5 is sure, unverified
    assert [i.read_id for i in q.items] == [2, 6, 3, 4, 7, 1]
    assert [i.reasons for i in q.items] == [[CORRECTED], [FLAGGED], [CORRECTED], [LOW], [LOW],
                                            [LOW]]
    assert q.items[0].why == ["officer-corrected: plate read A8C1234, officer saw ABC1234"]
    assert q.items[2].why == ["officer-corrected: state read NV, officer saw CA"]
    assert q.candidates == 6 and q.counts()[CORRECTED] == 2 and q.counts()[LOW] == 3
    # the labelled crops carry what the officers saw, in the queue's order
    assert rows(q.out / "labels.csv") == [
        {"image": "images/read2.png", "state": "VA", "plate": "ABC1234"},
        {"image": "images/read3.png", "state": "CA", "plate": "8XYZ99"},
        {"image": "images/read1.png", "state": "VA", "plate": "ABC1234"}]
    # no officer label: the read is never written as the plate; a person fills it in
    to_label = rows(q.out / "to_label.csv")
    assert [(r["read_id"], r["read_plate"], r["plate"], r["state"]) for r in to_label] == [
        ("6", "KLM555", "", ""), ("4", "QQQ111", "", ""), ("7", "Q0Q112", "", "")]
    assert to_label[1]["reasons"] == LOW and to_label[1]["confidence"] == "0.5500"
    queue = rows(q.out / "queue.csv")
    assert [(r["rank"], r["read_id"], r["list"]) for r in queue][:2] == [
        ("1", "2", "labels.csv"), ("2", "6", "to_label.csv")]


def test_the_labelled_export_passes_the_crop_contract_and_to_label_does_not(store,
                                                                           tmp_path) -> None:
    gov, _, staff = store
    q = export_review_queue(gov, staff, tmp_path / "q", QueueOptions(reread=False))
    crops = get_contract("crops")
    labelled = validate(crops, read_crops(q.out / "labels.csv"), source="labels.csv")
    assert labelled.ok and not labelled.bad_lines, labelled.summary()
    # unlabelled, every row is refused by the contract ("plate is given"): no training run
    # can take the reader's guess for the truth
    unlabelled = validate(crops, read_crops(q.out / "to_label.csv"), source="to_label.csv")
    assert sorted(unlabelled.bad_lines) == [2, 3, 4]  # file lines, under the header
    assert [f.rule for f in unlabelled.failures] == ["plate is given"]
    # once a person fills in the plates, the same file is a crop manifest
    filled = rows(q.out / "to_label.csv")
    for r, plate in zip(filled, ("KLM558", "QQQ111", "QQQ112"), strict=True):
        r["plate"] = plate
    with open(q.out / "to_label.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(filled[0]))
        w.writeheader()
        w.writerows(filled)
    assert validate(crops, read_crops(q.out / "to_label.csv"), source="to_label.csv").ok


def test_nothing_is_exported_twice(store, tmp_path) -> None:
    gov, _, staff = store
    for _ in range(2):  # a second run into the same folder rewrites it, adds nothing
        q = export_review_queue(gov, staff, tmp_path / "q", QueueOptions(reread=False))
    labelled, to_label = rows(q.out / "labels.csv"), rows(q.out / "to_label.csv")
    images = [r["image"] for r in labelled + to_label]
    assert len(images) == len(set(images)) == 6  # read 2 has two verified hits: once
    assert sorted(p.name for p in (q.out / "images").iterdir()) == sorted(
        Path(i).name for i in images)
    assert len(rows(q.out / "queue.csv")) == 6
    # a shorter queue into the same folder leaves no copy of the longer one's behind
    q = export_review_queue(gov, staff, tmp_path / "q", QueueOptions(reread=False, limit=2))
    assert sorted(p.name for p in (q.out / "images").iterdir()) == ["read2.png", "read6.png"]
    # two reads sharing one image file: the image goes out once, the second read is said
    with gov.Session.begin() as s:
        s.get(Read, 7).image_path = "reads/4.png"
    q = export_review_queue(gov, staff, tmp_path / "q2", QueueOptions(reread=False))
    assert [i.read_id for i in q.to_label] == [6, 4]
    assert q.skipped == [f"read 7: its image {gov.images.root / 'reads' / '4.png'} is read "
                         f"4's too (exported once, with read 4)"]


def test_a_folder_it_did_not_write_is_not_overwritten(store, tmp_path) -> None:
    gov, admin, staff = store
    verified = collect_verified_crops(gov, admin, tmp_path / "verified")
    before = verified.labels.read_text()
    with pytest.raises(ValueError, match="holds labels.csv but no queue.csv: not a review "
                                         "queue's folder"):
        export_review_queue(gov, staff, tmp_path / "verified", QueueOptions(reread=False))
    assert verified.labels.read_text() == before
    (tmp_path / "blocker").write_text("a file\n")
    with pytest.raises(ValueError, match="blocker is a file where a folder is needed"):
        export_review_queue(gov, staff, tmp_path / "blocker" / "q", QueueOptions(reread=False))


def test_disagreeing_re_reads_rank_above_unsure_reads_and_keep_their_label(store,
                                                                           tmp_path) -> None:
    gov, _, staff = store
    reader = ViewReader({1: ["ABC1234", "ABC1234", "A8C1234", "ABC1234", "ABC1234"],
                         4: ["QQQ111", "0QQ111", "QQQ111", "OQQ11", "QQQ111"],
                         7: ["Q0Q112", "Q0Q112", "Q0Q112", "Q0Q112", "QOQ112"]})  # O = 0
    q = export_review_queue(gov, staff, tmp_path / "q", QueueOptions(), reader=reader)
    assert sorted(reader.seen) == [1, 2, 3, 4, 6, 7]  # the candidates; sure read 5 is not
    assert all(n == 4 for n in reader.seen.values())  # five views each
    # 4: 3 of 5 views agree; 1: 4 of 5; 7 only an O/0 swap: no disagreement
    assert [i.read_id for i in q.items] == [2, 6, 3, 4, 1, 7]
    assert q.items[3].reasons == [LOW, DISAGREE]
    assert q.items[3].why[1] == ("re-reads disagree: 3 of 5 jitter views read QQQ111 (the "
                                 "stored read), 1 0QQ111, 1 OQQ11")
    assert q.items[5].reasons == [LOW]
    # a disagreeing read with no officer label is still only to label; read 1 keeps the
    # officer's
    assert [i.read_id for i in q.to_label] == [6, 4, 7]
    assert ("images/read1.png", "VA", "ABC1234") in {
        (r["image"], r["state"], r["plate"]) for r in rows(q.out / "labels.csv")}
    assert rows(q.out / "queue.csv")[3]["rereads"] == "QQQ111 0QQ111 QQQ111 OQQ11 QQQ111"


def test_limit_and_threshold(store, tmp_path) -> None:
    gov, _, staff = store
    q = export_review_queue(gov, staff, tmp_path / "q", QueueOptions(reread=False, limit=2))
    assert [i.read_id for i in q.items] == [2, 6] and q.queued == 6
    assert "the 2 highest ranked of 6" in q.summary()
    q = export_review_queue(gov, staff, tmp_path / "q2",
                            QueueOptions(reread=False, min_confidence=0.6))
    assert [i.read_id for i in q.items] == [2, 6, 3, 4]  # 0.70 and 0.85 are sure enough now
    with pytest.raises(ValueError, match="min_confidence 1.5: must be between 0 and 1"):
        QueueOptions(min_confidence=1.5)


def test_an_uncertified_user_is_denied_and_the_denial_recorded(store, tmp_path) -> None:
    gov, _, _ = store
    lapsed = gov.login("lapsed", PW)
    with pytest.raises(AccessDenied, match="training.export denied: no current alpr_training"):
        export_review_queue(gov, lapsed, tmp_path / "q", QueueOptions(reread=False))
    assert not (tmp_path / "q").exists()
    with gov.Session() as s:
        denied = s.execute(select(AuditEntry.action, AuditEntry.target).where(
            AuditEntry.actor == "lapsed", AuditEntry.allowed.is_(False))).all()
        allowed = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.actor == "data1", AuditEntry.action == "training.export")).all()
    assert denied == [("training.export", "verified and unsure reads")]
    assert allowed == []  # nothing was exported by data1 yet
    staff = gov.login("data1", PW)
    export_review_queue(gov, staff, tmp_path / "q", QueueOptions(reread=False))
    with gov.Session() as s:
        detail = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.actor == "data1", AuditEntry.action == "training.export")).one()
    assert "review queue" in str(detail)


def test_an_operator_may_not_copy_reads_out_for_training(store, tmp_path) -> None:
    """Only data staff and administrators export crops (the queue, and the verified crops)."""
    gov, _, _ = store
    officer = gov.login("ofc1", PW)
    with pytest.raises(AccessDenied, match="training.export denied"):
        export_review_queue(gov, officer, tmp_path / "q", QueueOptions(reread=False))
    with pytest.raises(AccessDenied, match="training.export denied"):
        collect_verified_crops(gov, officer, tmp_path / "v")
    with gov.Session() as s:
        denied = s.scalars(select(AuditEntry.target).where(
            AuditEntry.actor == "ofc1", AuditEntry.allowed.is_(False))).all()
    assert denied == ["verified and unsure reads", "verified reads"]


def _parser() -> argparse.ArgumentParser:
    """The ``review`` group as alpr.cli.review builds it, with only the queue in it."""
    p = argparse.ArgumentParser(prog="alpr review")
    cli_review_queue.register(p.add_subparsers(dest="review_command", required=True))
    return p


def test_the_command(store, tmp_path, capsys, monkeypatch) -> None:
    gov, _, _ = store
    url = gov.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    args = _parser().parse_args(["queue", "--db", url, "--user", "data1", "--out",
                                 str(tmp_path / "q"), "--no-reread", "--limit", "4"])
    assert run_command(args.func, args) == EXIT_OK
    said = capsys.readouterr().out
    assert said.startswith("review queue: 4 read(s) of 6 looked at (the 4 highest ranked "
                           "of 6): 2 officer-corrected, 1 officer-flagged misread, 1 low "
                           "confidence; 2 labelled by officers")
    assert len(rows(tmp_path / "q" / "labels.csv")) == 2
    args = _parser().parse_args(["queue", "--db", url, "--user", "lapsed", "--out",
                                 str(tmp_path / "q2"), "--no-reread"])
    assert run_command(args.func, args) == EXIT_BAD_INPUT
    assert "training.export denied" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parser().parse_args(["queue", "--db", url, "--user", "data1", "--out", "x",
                              "--min-confidence", "1.5"])
    assert "--min-confidence '1.5': must be between 0 and 1" in capsys.readouterr().err


def test_on_the_small_simulated_department(smoke_department, tmp_path) -> None:  # noqa: F811
    """On the simulated department, with the shipped recognizer re-reading: every label
    exported is the plate actually on the vehicle, the corrections lead, and no unsure read
    the officers did not see is labelled."""
    d = smoke_department
    gov = Governance(make_engine(d.url), image_root=d.out / "images")
    admin = gov.login("admin", d.cfg.admin_password)
    # a low threshold keeps the re-reads few (verified reads and the least sure)
    q = export_review_queue(gov, admin, tmp_path / "q", QueueOptions(min_confidence=0.3))
    with gov.Session() as s:
        where = dict(s.execute(select(Read.id, Camera.name).join(
            Camera, Camera.id == Read.camera_id)).all())
        at = dict(s.execute(select(Read.id, Read.read_at)).all())
        verified = set(s.scalars(select(Hit.read_id).join(
            HitVerification, HitVerification.hit_id == Hit.id)))
    gov.engine.dispose()
    truth = {rid: d.truth[(where[rid], at[rid].replace(tzinfo=None))] for rid in where}
    assert q.counts()[CORRECTED] > 0 and not q.skipped
    tiers = [i.tier for i in q.items]
    assert tiers == sorted(tiers) and q.items[0].reasons[0] == CORRECTED
    for i in q.items:
        if CORRECTED in i.reasons:
            assert truth[i.read_id] != (i.plate, i.state)  # a real misread
    assert all(i.label == truth[i.read_id] for i in q.labelled)  # the officers' labels
    assert all(i.read_id not in verified for i in q.to_label)
    assert {i.read_id for i in q.items if i.confidence < 0.3} - verified <= {
        i.read_id for i in q.to_label}
    labels = read_crops(q.out / "labels.csv")
    assert validate(get_contract("crops"), labels, source="labels.csv").ok
