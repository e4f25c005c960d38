"""The dashboards' sample department (:data:`SAMPLE`, defined here once): a small, fully
governed store whose every figure is known by hand, for the dashboards' tests, their
benchmark and trying ``alpr serve`` within seconds (the simulated department,
:mod:`alpr.simulate`, is the realistic one, and takes minutes).

Everything goes through the access-control layer, like real use: three cameras in two units,
a fortnight of reads (camera CAM-S1 knocked out of alignment on the fault day: its boxes
shift and its confidence drops, then a failed check and a damage report take it out of
service), a hot list, hits verified as confirmed, misread and wrong state, searches, a shift
and an overdue manual entry. Dates are relative to ``today``.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from alpr.governance.access import Actor, Governance
from alpr.governance.equipment import record_check, report_problem
from alpr.governance.hotlists import add_manual_entry, load_list, start_shift, verify_hit
from alpr.governance.records import ingest_rows, search_reads
from alpr.store.db import make_engine, upgrade
from alpr.store.schema import Hit, Read

PASSWORD = "correct horse battery"
CAMERAS = (("CAM-N1", "stationary", "North", None), ("CAM-N2", "mobile", "North", "Car 7"),
           ("CAM-S1", "stationary", "South", None))
HOTLIST = ("ABC1234;CA;STOLEN\nXYZ7890;TX;WANTED\nDEF5678;NY;SV\nGHJ2468;CA;LIC\n")
# (day offset, camera, plate read, state read, outcome or None, action)
HIT_READS = (
    (-10, "CAM-N1", "ABC1234", "CA", "confirmed", "vehicle stopped, driver arrested"),
    (-9, "CAM-N2", "A8C1234", "CA", "confirmed", None),   # B read as 8, still the listed car
    (-8, "CAM-S1", "DEF5G78", "NY", "misread", None),     # DEF5C78's C read as G: matched 6
    (-7, "CAM-N1", "XYZ7890", "NY", "wrong_state", None),  # listed in TX
    (-3, "CAM-N1", "GHJ2468", "CA", None, None),           # not verified yet
    (-2, "CAM-N2", "ABC1234", "CA", "confirmed", None),
)

SEEN = {"DEF5G78": "DEF5C78"}  # the plate the officer saw where the read was wrong


@dataclass(frozen=True)
class SampleConfig:
    """How big the sample is: reads per camera per day over ``days`` days up to ``today``."""

    days: int = 14
    reads_per_camera_day: int = 20
    fault_day: int = -6  # CAM-S1's alignment fault, days before today
    seed: int = 0

    def __post_init__(self) -> None:
        if self.days < 11:
            raise ValueError(f"days {self.days}: must be at least 11 (the sample's hits span "
                             f"ten days)")
        if self.reads_per_camera_day < 1:
            raise ValueError(f"reads_per_camera_day {self.reads_per_camera_day}: must be >= 1")
        if not -self.days < self.fault_day < -1:
            raise ValueError(f"fault_day {self.fault_day}: must lie inside the period, before "
                             f"yesterday")


SAMPLE = SampleConfig()  # the sample department: tests, `alpr serve` trials, docs


@dataclass(frozen=True)
class Sample:
    url: str
    today: dt.date
    fault_day: dt.date
    admin: str = "chief"
    auditor: str = "audit1"
    operator: str = "ofc1"
    expired_admin: str = "retired"
    password: str = PASSWORD


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFHJKLMNPRSTUVWXYZ"
    return "".join(rng.choice(letters) for _ in range(3)) + f"{rng.randrange(10000):04d}"


def frame(path: Path, box: list[int], plate: str) -> str:
    """Draw a small camera frame (1280x720 scaled by 1/4) with the plate where its box is."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 180), (96, 104, 112))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 120, 320, 180), fill=(60, 62, 66))  # the road
    x, y, w, h = (v // 4 for v in box)
    d.rectangle((x - 30, y - 25, x + w + 30, y + h + 12), fill=(180, 30, 30))  # the car
    d.rectangle((x, y, x + w, y + h), fill=(245, 245, 240), outline=(20, 20, 20))
    for i in range(len(plate)):  # the characters, as dark strokes (too small to read here)
        d.line((x + 4 + i * (w - 8) // len(plate), y + 3, x + 4 + i * (w - 8) // len(plate),
                y + h - 3), fill=(10, 10, 80), width=2)
    img.save(path)
    return str(path)


def plate_crop(path: Path, plate: str, state: str) -> str:
    """Draw a plate crop (what a camera stores for a read): dark text on a white plate."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (240, 120), (250, 250, 246))
    d = ImageDraw.Draw(img)
    d.rectangle((3, 3, 236, 116), outline=(30, 30, 90), width=4)
    d.text((120, 24), state, fill=(140, 20, 20), anchor="mm",
           font=ImageFont.load_default(size=20))
    d.text((120, 72), plate, fill=(20, 20, 90), anchor="mm",
           font=ImageFont.load_default(size=44))
    img.save(path)
    return str(path)


def build(url: str, config: SampleConfig = SAMPLE, today: dt.date | None = None,
          images: Path | None = None) -> Sample:
    """Migrate the empty store at ``url`` and fill it with the sample department; with
    ``images``, draw a frame for each camera's first read of the day and a plate crop for
    each read that hits the hot list."""
    today = today or dt.date.today()
    upgrade(url)
    gov = Governance(make_engine(url), today=lambda: today, image_root=images)
    if images is not None:
        images.mkdir(parents=True, exist_ok=True)
    try:
        _fill(gov, config, today, images)
    finally:
        gov.engine.dispose()
    return Sample(url, today, today + dt.timedelta(days=config.fault_day))


def _fill(gov: Governance, config: SampleConfig, today: dt.date,
          images: Path | None = None) -> None:
    rng = random.Random(config.seed)
    noon = dt.datetime.combine(today, dt.time(12), dt.UTC)
    admin = gov.bootstrap_admin("chief", "A. Chief", PASSWORD, today + dt.timedelta(days=365))
    since, until = today - dt.timedelta(days=300), today + dt.timedelta(days=300)

    def user(name: str, role: str, until: dt.date = until) -> Actor:
        actor = gov.create_user(admin, name, name.title(), role, PASSWORD)
        for kind in ("alpr_training", "sled_ncic"):
            gov.record_certification(admin, name, kind, since, until)
        return actor

    op = user("ofc1", "operator")
    user("audit1", "auditor")
    user("data1", "data_staff")
    user("retired", "administrator", until=today - dt.timedelta(days=10))
    for name, kind, unit, vehicle in CAMERAS:
        gov.add_camera(admin, name, kind, unit=unit, vehicle=vehicle)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ncic_hotlist.txt"
        path.write_text(HOTLIST)
        load_list(gov, op, path, now=noon - dt.timedelta(days=config.days + 1))
        rows = []
        for d in range(-config.days + 1, 1):
            day = noon + dt.timedelta(days=d)
            for cam, *_ in CAMERAS:
                faulty = cam == "CAM-S1" and d >= config.fault_day
                for i in range(config.reads_per_camera_day):
                    conf = rng.uniform(0.55, 0.85) if faulty else rng.uniform(0.88, 0.995)
                    box = [400 + (60 if faulty else 0) + rng.randrange(-5, 6),
                           300 + (25 if faulty else 0) + rng.randrange(-5, 6), 120, 40]
                    plate = _plate(rng)
                    row = {"read_at": (day + dt.timedelta(minutes=20 * i)).isoformat(),
                           "camera": cam, "plate": plate, "state": "CA",
                           "confidence": round(conf, 3), "state_confidence": 0.9, "box": box}
                    if images is not None and i == 0:
                        row["image_path"] = frame(images / f"{cam}-{d + 100:03d}.png", box,
                                                  plate)
                    rows.append(row)
        for d, cam, plate, state, _, _ in HIT_READS:
            hit_box = [402, 301, 120, 40]
            row = {"read_at": (noon + dt.timedelta(days=d, minutes=7)).isoformat(),
                   "camera": cam, "plate": plate, "state": state, "confidence": 0.93,
                   "state_confidence": 0.95, "box": hit_box}
            if images is not None:
                row["image_path"] = plate_crop(images / f"hit-{plate}-{d + 100:03d}.png",
                                               plate, state)
            rows.append(row)
        ingest_rows(gov, op, enumerate(rows, 1), source="sample", at=noon - dt.timedelta(
            days=config.days))
        load_list(gov, op, path, now=noon - dt.timedelta(hours=2))
    start_shift(gov, op, "North", now=noon)
    _verify(gov, op, noon)
    search_reads(gov, op, purpose="stolen vehicle follow-up on a tip", case_number="C-2026-17",
                 plate="ABC1234")
    search_reads(gov, op, purpose="wanted person sighting near the station",
                 case_number="C-2026-21", plate="XYZ7890")
    add_manual_entry(gov, op, "KLM4321", "CA", "bolo", "suspect vehicle in burglary series",
                     expires_at=noon - dt.timedelta(days=1), now=noon - dt.timedelta(days=5))
    _equipment(gov, admin, op, config, noon)


def _verify(gov: Governance, op: Actor, noon: dt.datetime) -> None:
    with gov.Session() as s:
        hits = {(p, r.date()): h for h, p, r in s.execute(
            select(Hit.id, Read.plate, Read.read_at).join(Read, Read.id == Hit.read_id))}
    for d, _, plate, state, outcome, action in HIT_READS:
        if outcome is None:
            continue
        hit = hits[(plate, (noon + dt.timedelta(days=d)).date())]
        ok = outcome == "confirmed"
        verify_hit(gov, op, hit, chars_match=outcome != "misread",
                   state_match=outcome != "wrong_state", dispatch_confirmed=ok, outcome=outcome,
                   action_taken=action, seen_plate=None if ok else SEEN.get(plate, plate),
                   seen_state=None if ok else state)  # noted when rejected


def _equipment(gov: Governance, admin: Actor, op: Actor, config: SampleConfig,
               noon: dt.datetime) -> None:
    record_check(gov, op, "CAM-N1", True, True, at=noon - dt.timedelta(days=3))
    record_check(gov, op, "CAM-N2", True, True, at=noon - dt.timedelta(days=45))
    record_check(gov, op, "CAM-S1", True, True, at=noon - dt.timedelta(days=20))
    fault = noon + dt.timedelta(days=config.fault_day + 1)
    record_check(gov, op, "CAM-S1", True, False, at=fault,
                 notes="camera knocked askew: plates now low in the frame")
    report_problem(gov, op, "CAM-S1", "damage", "mount bent by a truck; vendor called")
