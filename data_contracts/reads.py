"""Reads contract: what every incoming read (JSONL or CSV, as ``alpr ingest`` takes them)
must satisfy. All rules are row rules: a bad read is reported and the good ones are stored.
"""

from __future__ import annotations

import datetime as dt

import great_expectations.expectations as gxe

from alpr.contracts.frames import read_reads
from alpr.contracts.model import Contract, Frame, rule, suite

# An ISO 8601 time with its zone: 2026-05-01T08:00:00Z, 2026-05-01 08:00:00.25-04:00
ISO_WITH_ZONE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
# normalize_plate's rule: 1-10 letters/digits, separators (space - .) anywhere
PLATE = r"^[ .\-]*(?:[A-Za-z0-9][ .\-]*){1,10}$"
SHA256 = r"^[0-9a-f]{64}$"
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
CLOCK_SLACK = dt.timedelta(minutes=5)  # a camera clock ahead by more is faulty (policy II.B)


def build(frame: Frame, now: dt.datetime | None = None) -> object:
    now = now or dt.datetime.now(dt.UTC)
    return suite("reads", "Plate reads as cameras deliver them, before they are stored.", [
        rule(gxe.ExpectTableRowCountToBeBetween, "dataset",
             "the file holds at least one read", min_value=1),
        rule(gxe.ExpectColumnValuesToBeNull, "row",
             "each line is a JSON object (JSONL files)", column="parse_error"),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row",
             "read_at (the time of the read) is given", column="read_at"),
        rule(gxe.ExpectColumnValuesToMatchRegex, "row",
             "read_at is an ISO 8601 time with a time zone", column="read_at",
             regex=ISO_WITH_ZONE),
        rule(gxe.ExpectColumnValuesToBeBetween, "row",
             "read_at is after 2000 and not ahead of the ingesting clock by more than "
             "5 minutes (a camera clock that runs ahead)", column="read_at_utc",
             min_value=EARLIEST, max_value=now + CLOCK_SLACK),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row", "camera is named", column="camera"),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row", "plate is given", column="plate"),
        rule(gxe.ExpectColumnValuesToMatchRegex, "row",
             "plate is 1-10 letters A-Z or digits, with optional separators (space, -, .)",
             column="plate", regex=PLATE),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "state, when given, is a US jurisdiction (USPS code or full name)",
             column="state", value_set=_codes()),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row", "confidence is given",
             column="confidence"),
        rule(gxe.ExpectColumnValuesToBeBetween, "row", "confidence is a number in [0, 1]",
             column="confidence", min_value=0.0, max_value=1.0),
        rule(gxe.ExpectColumnValuesToBeBetween, "row",
             "state_confidence, when given, is a number in [0, 1]",
             column="state_confidence", min_value=0.0, max_value=1.0),
        rule(gxe.ExpectColumnValuesToMatchRegex, "row",
             "image_sha256, when given, is 64 lower-case hex digits", column="image_sha256",
             regex=SHA256),
        rule(gxe.ExpectColumnValuesToBeBetween, "row", "the plate box, when given, has a "
             "positive width", column="box_w", min_value=1),
        rule(gxe.ExpectColumnValuesToBeBetween, "row", "the plate box, when given, has a "
             "positive height", column="box_h", min_value=1),
        rule(gxe.ExpectColumnValuesToBeNull, "row",
             "a read appears once: a later line with the same camera, time and plate is a "
             "duplicate (the first is kept)", column="duplicate_of"),
    ])


def _codes() -> list[str]:
    from alpr.vocabulary.jurisdictions import codes

    return list(codes())


CONTRACT = Contract(kind="reads", title="Reads",
                    description="incoming plate reads (alpr ingest)", read=read_reads,
                    suite=build)
