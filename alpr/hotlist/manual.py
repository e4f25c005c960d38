"""Manual hot-list entries under policy IV.D: entered for a written law-enforcement purpose by
a named user, with a required expiry; expired entries stop matching and are listed as due for
removal by the user who entered them, and every removal records who removed it and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from alpr.hotlist.categories import UnknownCategoryError, get_category
from alpr.hotlist.entries import HotListEntry, normalize_entry_plate
from alpr.vocabulary.jurisdictions import UnknownJurisdictionError, get_jurisdiction
from alpr.vocabulary.plate_text import PlateTextError

MANUAL_SOURCE = "manual"
TRIVIAL_PURPOSES = frozenset({"test", "testing", "n/a", "na", "none", "asdf", "x", "see case",
                              "investigation", "law enforcement", "law enforcement purpose",
                              "check", "lookup", "bolo"})


class ManualEntryPolicy(BaseModel):
    """The department's rules for manual entries (configurable, defaults per IV.D)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_days: int = Field(default=30, ge=1, le=365)
    min_purpose_chars: int = Field(default=15, ge=1)
    min_purpose_words: int = Field(default=3, ge=1)


class ManualEntryError(ValueError):
    """A manual entry or removal that breaks a rule; names the field, the value and the rule."""

    def __init__(self, field_name: str, value: object, rule: str) -> None:
        super().__init__(f"{field_name}={value!r}: {rule}")
        self.field = field_name
        self.value = value
        self.rule = rule


@dataclass(frozen=True)
class Removal:
    """The record of a removal: which entry, who removed it, why and when."""

    entry: HotListEntry
    removed_by: str
    reason: str
    removed_at: dt.datetime


@dataclass(frozen=True)
class DueForRemoval:
    """An expired manual entry that its user must remove (IV.D.2)."""

    entry: HotListEntry
    expired_for: dt.timedelta

    @property
    def user(self) -> str:
        return self.entry.entered_by or "unknown user"

    def message(self) -> str:
        e = self.entry
        return (f"{e.plate} ({e.state or 'state not given'}, {e.category}) expired "
                f"{e.expires_at.isoformat(timespec='minutes') if e.expires_at else '?'}: "
                f"due for removal by {self.user}")


def check_purpose(purpose: str, policy: ManualEntryPolicy) -> str:
    """The purpose, stripped, if it reads as a real written purpose; else ManualEntryError.

    >>> check_purpose("  Suspect vehicle in armed robbery, case 24-1183 ", ManualEntryPolicy())
    'Suspect vehicle in armed robbery, case 24-1183'
    """
    text = " ".join(purpose.split())
    if (text.lower().strip(" .") in TRIVIAL_PURPOSES or len(text) < policy.min_purpose_chars
            or len(text.split()) < policy.min_purpose_words):
        raise ManualEntryError(
            "purpose", purpose,
            f"a written law-enforcement purpose is required (at least "
            f"{policy.min_purpose_words} words and {policy.min_purpose_chars} characters, "
            f"saying why this plate is sought, e.g. 'suspect vehicle in robbery case 24-118')")
    return text


def create_manual_entry(plate: str, state: str | None, category: str, user: str, purpose: str,
                        expires_at: dt.datetime | None, now: dt.datetime,
                        case_number: str | None = None,
                        policy: ManualEntryPolicy | None = None) -> HotListEntry:
    """A validated manual entry; ``?`` and ``*`` make a partial plate.

    >>> t = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    >>> e = create_manual_entry("7abc1?3", "ca", "BOLO", "jdoe",
    ...     "Vehicle seen leaving burglary at 12 Main St", t + dt.timedelta(days=7), now=t)
    >>> e.plate, e.state, e.entered_by, e.is_active(t + dt.timedelta(days=8))
    ('7ABC1?3', 'CA', 'jdoe', False)
    """
    policy = policy or ManualEntryPolicy()
    if not user.strip():
        raise ManualEntryError("user", user, "the entering user is required")
    try:
        canonical = normalize_entry_plate(plate)
    except PlateTextError as exc:
        raise ManualEntryError("plate", plate, str(exc)) from exc
    code = None
    if state and state.strip():
        try:
            code = get_jurisdiction(state).code
        except UnknownJurisdictionError as exc:
            raise ManualEntryError("state", state, str(exc)) from exc
    try:
        cat = get_category(category)
    except UnknownCategoryError as exc:
        raise ManualEntryError("category", category, str(exc)) from exc
    text = check_purpose(purpose, policy)
    expiry = _check_expiry(expires_at, now, policy)
    return HotListEntry(plate=canonical, state=code, category=cat.code, priority=cat.priority,
                        source=MANUAL_SOURCE, expires_at=expiry, entered_by=user.strip(),
                        purpose=text, case_number=(case_number or "").strip() or None,
                        created_at=now)


def _check_expiry(expires_at: dt.datetime | None, now: dt.datetime,
                  policy: ManualEntryPolicy) -> dt.datetime:
    limit = now + dt.timedelta(days=policy.max_days)
    if expires_at is None:
        raise ManualEntryError("expires_at", None,
                               f"an expiry is required, at most {policy.max_days} days ahead")
    if expires_at.tzinfo is None:
        raise ManualEntryError("expires_at", expires_at.isoformat(),
                               "give a time zone (e.g. 2024-05-31T18:00:00-04:00)")
    if expires_at <= now:
        raise ManualEntryError("expires_at", expires_at.isoformat(), "must be in the future")
    if expires_at > limit:
        raise ManualEntryError("expires_at", expires_at.isoformat(),
                               f"at most {policy.max_days} days ahead (by "
                               f"{limit.isoformat(timespec='minutes')}); renew the entry "
                               f"later if it still serves its purpose")
    return expires_at


@dataclass
class ManualEntries:
    """The manual entries of a department, in memory (the records store persists them)."""

    policy: ManualEntryPolicy = field(default_factory=ManualEntryPolicy)
    entries: list[HotListEntry] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)

    def add(self, entry: HotListEntry) -> HotListEntry:
        if entry.source != MANUAL_SOURCE or not entry.entered_by:
            raise ManualEntryError("entry", entry.plate,
                                   "use create_manual_entry to make manual entries")
        self.entries.append(entry)
        return entry

    def active(self, now: dt.datetime) -> list[HotListEntry]:
        """Entries that still match: not expired and not removed."""
        return [e for e in self.entries if e.is_active(now)]

    def due_for_removal(self, now: dt.datetime) -> list[DueForRemoval]:
        """Expired entries still on the list, oldest expiry first."""
        due = [DueForRemoval(e, now - e.expires_at) for e in self.entries
               if e.expires_at is not None and not e.is_active(now)]
        return sorted(due, key=lambda d: -d.expired_for)

    def remove(self, entry: HotListEntry, by: str, reason: str, now: dt.datetime) -> Removal:
        """Remove an entry, recording who and why; the reason is required."""
        if entry not in self.entries:
            raise ManualEntryError("entry", entry.plate, "not a current manual entry")
        if not by.strip():
            raise ManualEntryError("removed_by", by, "the removing user is required")
        if len(reason.split()) < 2:
            raise ManualEntryError("reason", reason,
                                   "say why it is removed (e.g. 'vehicle recovered', "
                                   "'entry expired, case closed')")
        self.entries.remove(entry)
        record = Removal(entry, by.strip(), " ".join(reason.split()), now)
        self.removals.append(record)
        return record
