"""Manual hot-list entries under policy IV.D: purpose, user, expiry, removal."""

import datetime as dt

import pytest

from alpr.hotlist.entries import normalize_entry_plate
from alpr.hotlist.manual import (
    ManualEntries,
    ManualEntryError,
    ManualEntryPolicy,
    create_manual_entry,
)
from alpr.vocabulary.plate_text import PlateTextError

T0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
PURPOSE = "Suspect vehicle in armed robbery of 12 Main St"


def entry(plate="7ABC123", days=7, user="jdoe", **kw):
    return create_manual_entry(plate, kw.pop("state", "CA"), kw.pop("category", "bolo"), user,
                               kw.pop("purpose", PURPOSE), T0 + dt.timedelta(days=days),
                               now=T0, **kw)


def test_manual_entry_records_user_purpose_case_and_expiry():
    e = entry(case_number=" 24-1183 ")
    assert (e.plate, e.state, e.category, e.entered_by, e.case_number, e.created_at) == (
        "7ABC123", "CA", "bolo", "jdoe", "24-1183", T0)
    assert e.purpose == PURPOSE and e.source == "manual"
    assert e.expires_at == T0 + dt.timedelta(days=7)


@pytest.mark.parametrize("purpose", ["", "test", "investigation", "look for car",
                                     "Law enforcement purpose."])
def test_trivial_purposes_are_refused(purpose):
    with pytest.raises(ManualEntryError) as exc:
        entry(purpose=purpose)
    assert exc.value.field == "purpose" and "written law-enforcement purpose" in exc.value.rule


def test_expiry_is_required_in_the_future_and_within_the_maximum():
    with pytest.raises(ManualEntryError, match="at most 30 days ahead"):
        entry(days=31)
    with pytest.raises(ManualEntryError, match="must be in the future"):
        entry(days=-1)
    with pytest.raises(ManualEntryError, match="expiry is required"):
        create_manual_entry("7ABC123", "CA", "bolo", "jdoe", PURPOSE, None, now=T0)
    policy = ManualEntryPolicy(max_days=60)
    assert entry(days=45, policy=policy).expires_at == T0 + dt.timedelta(days=45)


@pytest.mark.parametrize("kw,field", [({"plate": "7AB!23"}, "plate"),
                                      ({"state": "Ontario"}, "state"),
                                      ({"category": "parking"}, "category"),
                                      ({"user": " "}, "user")])
def test_bad_fields_are_named(kw, field):
    with pytest.raises(ManualEntryError) as exc:
        entry(**kw)
    assert exc.value.field == field


def test_partial_plates_are_allowed_with_enough_known_characters():
    assert entry(plate="7ab-1?3").plate == "7AB1?3"
    assert normalize_entry_plate("AB**C") == "AB*C"
    with pytest.raises(PlateTextError, match="at least 3 known characters"):
        normalize_entry_plate("A?*")
    with pytest.raises(ManualEntryError, match="at least 3 known"):
        entry(plate="7*")


def test_expired_entries_stop_matching_and_are_due_for_removal_by_their_user():
    book = ManualEntries()
    short = book.add(entry("7ABC123", days=1, user="jdoe"))
    long = book.add(entry("8XYZ999", days=20, user="asmith"))
    later = T0 + dt.timedelta(days=2)
    assert book.active(later) == [long]
    due = book.due_for_removal(later)
    assert [d.entry for d in due] == [short] and due[0].user == "jdoe"
    assert due[0].message().endswith("due for removal by jdoe")
    assert due[0].expired_for == dt.timedelta(days=1)


def test_removal_records_who_and_why():
    book = ManualEntries()
    e = book.add(entry())
    with pytest.raises(ManualEntryError, match="say why"):
        book.remove(e, "jdoe", "done", now=T0)
    rec = book.remove(e, "jdoe", "Vehicle recovered  by patrol", now=T0 + dt.timedelta(hours=3))
    assert (rec.removed_by, rec.reason, rec.removed_at) == (
        "jdoe", "Vehicle recovered by patrol", T0 + dt.timedelta(hours=3))
    assert book.entries == [] and book.removals == [rec]
    with pytest.raises(ManualEntryError, match="not a current manual entry"):
        book.remove(e, "jdoe", "again removed", now=T0)
