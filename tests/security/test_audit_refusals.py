"""Refusals leave a denial row, and the actor comes from the store: a forged ``Actor`` is
refused and recorded; a pre-0009 store's unkeyed rows stay verifiable as a sealed segment."""

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select, text
from store_kit import add_user, department

from alpr.governance import audit
from alpr.governance.access import AccessDenied, Actor
from alpr.governance.records import search_reads
from alpr.store.db import make_engine, upgrade
from alpr.store.schema import AuditEntry, HistoricalSearch


def denials(gov, action):
    with gov.Session() as s:
        return list(s.execute(select(AuditEntry.actor, AuditEntry.detail).where(
            AuditEntry.action == action, AuditEntry.allowed.is_(False))))


@pytest.fixture
def world(db_url):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    staff = add_user(gov, admin, "clerk", role="data_staff")
    yield gov, admin, op, staff
    gov.engine.dispose()


def test_search_without_a_case_number_is_a_recorded_denial(world):
    gov, _, op, _ = world
    with pytest.raises(ValueError, match="case_number"):
        search_reads(gov, op, purpose="stolen vehicle follow-up", case_number=None)
    assert [a for a, _ in denials(gov, "search.history")] == ["ofc1"]


def test_search_without_the_right_is_a_recorded_denial(world):
    gov, _, _, staff = world
    with pytest.raises(AccessDenied, match="may not do this"):
        search_reads(gov, staff, purpose="stolen vehicle follow-up", case_number="C-1")
    with pytest.raises(ValueError):
        search_reads(gov, staff, purpose="short", case_number="C-1")
    assert [a for a, _ in denials(gov, "search.history")] == ["clerk", "clerk"]


@pytest.mark.parametrize("forge", [
    lambda a: Actor(a.id, a.username, a.role),  # built by hand: no token
    lambda a: dataclasses.replace(a, role="administrator"),  # a signed actor, role raised
    lambda a: Actor(999, "ghost", "administrator", a.token),  # a user that does not exist
    lambda a: dataclasses.replace(a, id=1),  # someone else's id under one's own name
])
def test_a_forged_actor_is_refused_and_recorded(world, forge):
    gov, _, op, _ = world
    fake = forge(op)
    with pytest.raises(AccessDenied, match="not issued|not in the store"):
        search_reads(gov, fake, purpose="stolen vehicle follow-up", case_number="C-1")
    with pytest.raises(AccessDenied):
        gov.create_user(fake, "mallory", "M", "administrator", "pw-pw-pw-pw")
    assert len(denials(gov, "search.history")) == 1
    assert len(denials(gov, "users.manage")) == 1
    with gov.Session() as s:
        assert s.scalar(select(HistoricalSearch.id)) is None


def test_the_audit_names_the_user_the_search_is_recorded_for(world):
    gov, _, op, _ = world
    search_reads(gov, op, purpose="stolen vehicle follow-up", case_number="C-1")
    with gov.Session() as s:
        row = s.execute(select(AuditEntry.actor).where(
            AuditEntry.action == "search.history")).scalar_one()
        uid = s.scalar(select(HistoricalSearch.user_id))
    assert (row, uid) == ("ofc1", op.id)


def test_a_signed_actor_from_another_store_is_refused(world, tmp_path):
    gov, _, op, _ = world
    other, _ = department(_fresh(tmp_path))
    with pytest.raises(AccessDenied, match="not issued"):
        other.cameras(op)
    other.engine.dispose()


def _fresh(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(url)
    return url


def test_a_pre_0009_chain_is_sealed_and_stays_verifiable(tmp_path):
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    upgrade(url, "0008")
    engine = make_engine(url)
    at = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    prev = audit.GENESIS
    with engine.begin() as c:  # rows as the old code wrote them (unkeyed SHA-256)
        for i in (1, 2, 3):
            h = audit.row_digest(i, at, "chief", "login", "chief", "{}", True, prev)
            c.execute(text("INSERT INTO audit_log (id, at, actor, action, target, detail, "
                           "allowed, prev_hash, row_hash) VALUES (:i, :at, 'chief', 'login', "
                           "'chief', '{}', 1, :p, :h)"), {"i": i, "at": at, "p": prev, "h": h})
            prev = h
        c.execute(text("INSERT INTO audit_head (id, last_id, last_hash, count) "
                       "VALUES (1, 3, :h, 3)"), {"h": prev})
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as c:
        marker = c.execute(text("SELECT action, key_id FROM audit_log WHERE id = 4")).one()
    assert marker[0] == "audit.rekeyed" and marker[1] is not None
    from alpr.store.db import sessions

    with sessions(engine)() as s:
        r = audit.verify(s)
    assert r.ok and r.legacy_rows == 3 and r.rows == 4, str(r)
    with engine.begin() as c:  # edit a legacy row and recompute the legacy chain
        c.execute(text("DROP TRIGGER audit_log_no_update"))
        prev = audit.GENESIS
        for i in (1, 2, 3):
            actor = "mallory" if i == 2 else "chief"
            h = audit.row_digest(i, at, actor, "login", "chief", "{}", True, prev)
            c.execute(text("UPDATE audit_log SET actor = :a, prev_hash = :p, row_hash = :h "
                           "WHERE id = :i"), {"a": actor, "p": prev, "h": h, "i": i})
            prev = h
    with sessions(engine)() as s:
        r = audit.verify(s)
    assert not r.ok and r.first_bad_id == 4, str(r)  # the seal pins the legacy head
    engine.dispose()
