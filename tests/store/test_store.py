"""The records store and the access-control layer, on SQLite and on a real PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from alpr.governance import audit
from alpr.governance.access import AccessDenied, Governance
from alpr.store.db import current_revision, make_engine
from alpr.store.schema import AuditEntry, Camera, Certification, User

TODAY = dt.date(2026, 6, 1)
PW = "correct horse battery"


@pytest.fixture
def gov(db_url):
    engine = make_engine(db_url)
    g = Governance(engine, today=lambda: TODAY, lockout_threshold=3)
    yield g
    engine.dispose()


@pytest.fixture
def admin(gov):
    return gov.bootstrap_admin("chief", "A. Chief", PW, certified_until=dt.date(2027, 1, 1))


def certified_operator(gov, admin, name="ofc1", until=dt.date(2026, 12, 31)):
    op = gov.create_user(admin, name, "Officer One", "operator", PW)
    for kind in ("alpr_training", "sled_ncic"):
        gov.record_certification(admin, name, kind, dt.date(2026, 1, 1), until)
    return op


def denials(gov):
    with gov.Session() as s:
        return s.execute(select(AuditEntry.actor, AuditEntry.action)
                         .where(AuditEntry.allowed.is_(False))).all()


def test_migrations_reach_head_and_go_back_down(gov, db_url):
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from alpr.store.db import alembic_config, downgrade, upgrade

    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    assert current_revision(gov.engine) == head
    downgrade(db_url, "0001")
    assert current_revision(gov.engine) == "0001"
    assert "reads" not in inspect(gov.engine).get_table_names()
    upgrade(db_url)
    assert current_revision(gov.engine) == head


def test_certified_operator_may_view_cameras(gov, admin):
    op = certified_operator(gov, admin)
    gov.add_camera(admin, "CAM-1", "mobile", unit="U1", vehicle="Car 12")
    assert gov.cameras(op)[0]["name"] == "CAM-1"


def test_uncertified_or_expired_users_are_locked_out_and_recorded(gov, admin):
    op = gov.create_user(admin, "rookie", "New Officer", "operator", PW)
    with pytest.raises(AccessDenied, match="no current alpr_training and sled_ncic"):
        gov.cameras(op)
    gov.record_certification(admin, "rookie", "alpr_training", dt.date(2025, 1, 1),
                             dt.date(2026, 5, 31))  # expired yesterday
    gov.record_certification(admin, "rookie", "sled_ncic", dt.date(2026, 1, 1),
                             dt.date(2027, 1, 1))
    with pytest.raises(AccessDenied, match="no current alpr_training"):
        gov.cameras(op)
    gov.record_certification(admin, "rookie", "alpr_training", dt.date(2026, 6, 1),
                             dt.date(2027, 6, 1))  # renewed: access returns
    assert gov.cameras(op) == []
    assert denials(gov) == [("rookie", "cameras.view"), ("rookie", "cameras.view")]


def test_roles_gate_administrative_acts(gov, admin):
    op = certified_operator(gov, admin)
    with pytest.raises(AccessDenied, match="role 'operator' may not do this.*II.A.4"):
        gov.create_user(op, "x2", "X", "operator", PW)
    with pytest.raises(AccessDenied):
        gov.set_camera_service(op, "CAM-9", False, "cracked lens")
    assert ("ofc1", "users.manage") in denials(gov)


def test_failed_logins_lock_the_account(gov, admin):
    certified_operator(gov, admin)
    for _ in range(3):
        with pytest.raises(AccessDenied, match="login denied"):
            gov.login("ofc1", "wrong password!")
    with pytest.raises(AccessDenied, match="locked"):
        gov.login("ofc1", PW)
    gov.unlock(admin, "ofc1")
    assert gov.login("ofc1", PW).role == "operator"
    with gov.Session() as s:
        stored = s.execute(select(User.password_hash).where(User.username == "ofc1")).scalar_one()
    assert stored.startswith("scrypt$") and PW not in stored


def test_camera_out_of_service_needs_a_reason(gov, admin):
    gov.add_camera(admin, "CAM-2", "stationary", location="Main St & 5th")
    with pytest.raises(ValueError, match="reason: required"):
        gov.set_camera_service(admin, "CAM-2", False, "  ")
    gov.set_camera_service(admin, "CAM-2", False, "failed alignment check")
    assert gov.cameras(admin)[0] == {"name": "CAM-2", "kind": "stationary",
                                     "in_service": False, "reason": "failed alignment check"}


def test_database_constraints_hold_without_python(gov, admin):
    with gov.Session() as s:
        s.add(Camera(name="BAD", kind="stationary", in_service=False, out_of_service_reason=None))
        with pytest.raises(IntegrityError):
            s.commit()
    with gov.Session() as s:
        s.add(Certification(user_id=admin.id, kind="sled_ncic", issued_on=TODAY,
                            expires_on=TODAY - dt.timedelta(days=1), recorded_by=admin.id))
        with pytest.raises(IntegrityError):
            s.commit()
    with gov.Session() as s:
        s.add(Certification(user_id=999, kind="sled_ncic", issued_on=TODAY,
                            expires_on=TODAY + dt.timedelta(days=1), recorded_by=admin.id))
        with pytest.raises(IntegrityError):
            s.commit()


def test_audit_chain_verifies_and_refuses_edits(gov, admin):
    certified_operator(gov, admin)
    report = gov.verify_audit(admin)
    assert report.ok and report.rows == 5  # bootstrap, user, 2 certifications, this check
    with gov.engine.connect() as c, pytest.raises(Exception, match="append-only"):
        c.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"))
        c.commit()


def _drop_guards(gov):
    with gov.engine.begin() as c:
        if gov.engine.dialect.name == "sqlite":
            c.execute(text("DROP TRIGGER audit_log_no_update"))
            c.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            c.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))


@pytest.mark.parametrize("tamper,bad_row,why", [
    ("UPDATE audit_log SET actor = 'mallory' WHERE id = 3", 3, "edited"),
    ("DELETE FROM audit_log WHERE id = 3", 3, "missing"),
    ("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)", None, "newest rows"),
])
def test_audit_verify_names_the_first_bad_row(gov, admin, tamper, bad_row, why):
    certified_operator(gov, admin)
    _drop_guards(gov)  # what someone with raw database access could do
    with gov.engine.begin() as c:
        c.execute(text(tamper))
    with gov.Session() as s:
        report = audit.verify(s)
    assert not report.ok and why in report.reason
    if bad_row is not None:
        assert report.first_bad_id == bad_row


def test_reordering_is_detected(gov, admin):
    certified_operator(gov, admin)
    _drop_guards(gov)
    with gov.engine.begin() as c:
        rows = c.execute(text("SELECT id, actor, action FROM audit_log WHERE id IN (2, 3) "
                              "ORDER BY id")).all()
        for (rid, _, _), (_, actor, action) in zip(rows, reversed(rows), strict=True):
            c.execute(text("UPDATE audit_log SET actor=:a, action=:b WHERE id=:i"),
                      {"a": actor, "b": action, "i": rid})
    with gov.Session() as s:
        report = audit.verify(s)
    assert not report.ok and report.first_bad_id == 2


def test_cli_upgrade_and_audit_verify(tmp_path, capsys):
    from alpr.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "latest schema" in capsys.readouterr().out
    engine = make_engine(url)
    g = Governance(engine, today=lambda: TODAY)
    admin = g.bootstrap_admin("chief", "A. Chief", PW, certified_until=dt.date(2027, 1, 1))
    g.add_camera(admin, "CAM-1", "stationary")
    assert main(["audit", "head", "--db", url]) == 0
    count, head = capsys.readouterr().out.split()
    assert count == "2" and len(head) == 64
    assert main(["audit", "verify", "--db", url, "--expect-head", head]) == 0
    assert "intact: 2 rows" in capsys.readouterr().out
    _drop_guards(g)
    with engine.begin() as c:
        c.execute(text("UPDATE audit_log SET target = 'CAM-X' WHERE id = 2"))
    engine.dispose()
    assert main(["audit", "verify", "--db", url]) == 1
    assert "BROKEN at row 2" in capsys.readouterr().err
