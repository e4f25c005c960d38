"""`alpr users`: administrators manage users from the host through the access-control layer;
each act is audited, bad input is a message naming the field and rule (exit 2), never a
traceback, and a non-administrator is refused (and the refusal recorded)."""

import datetime as dt
import json

import pytest
from sqlalchemy import select
from store_kit import PW, cli_store

from alpr.cli import main
from alpr.governance.access import AccessDenied, Governance
from alpr.store.db import make_engine
from alpr.store.schema import AuditEntry, User

NEW_PW = "a brand new passphrase"


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    monkeypatch.setenv("ALPR_NEW_PASSWORD", NEW_PW)
    gov = Governance(make_engine(url))
    yield url, gov
    gov.engine.dispose()


def users(url, *argv, user="chief"):
    return main(["users", *argv, "--user", user, "--db", url])


def audit(gov, action):
    with gov.Session() as s:
        return [tuple(r) for r in s.execute(
            select(AuditEntry.actor, AuditEntry.target, AuditEntry.allowed, AuditEntry.detail)
            .where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_create_certify_list(store, capsys):
    url, gov = store
    assert users(url, "create", "ofc.smith", "--role", "operator", "--full-name",
                 "P. Smith") == 0
    assert "user ofc.smith created (operator)" in capsys.readouterr().out
    assert users(url, "certify", "ofc.smith", "--kind", "both", "--expires",
                 str(dt.date.today() + dt.timedelta(days=90))) == 0
    capsys.readouterr()
    assert users(url, "list", "--format", "jsonl") == 0
    rows = {r["username"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["ofc.smith"]["role"] == "operator" and rows["ofc.smith"]["missing"] == []
    assert users(url, "list") == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("username\trole\tactive\tlocked\tfailed")
    assert any(line.startswith("ofc.smith\toperator\tyes\tno\t0\t") and
               line.endswith("\tcurrent") for line in table)
    # The new user signs in with the password given on creation.
    assert gov.login("ofc.smith", NEW_PW).username == "ofc.smith"
    manage = audit(gov, "users.manage")
    assert ("chief", "ofc.smith", True) in [r[:3] for r in manage]
    assert ("chief", "users", True) in [r[:3] for r in manage]  # the listing is audited too
    certs = [r for r in audit(gov, "certifications.record") if r[1] == "ofc.smith"]
    assert [json.loads(r[3])["kind"] for r in certs] == ["alpr_training", "sled_ncic"]


def test_unlock_and_reset_password(store, capsys, monkeypatch):
    url, gov = store
    assert users(url, "create", "ofc2", "--role", "operator", "--full-name", "Two",
                 "--certified-until", str(dt.date.today() + dt.timedelta(days=30))) == 0
    for _ in range(gov.lockout_threshold):  # the store's hard lock (CLI sign-ins keep it)
        with pytest.raises(AccessDenied):
            gov.login("ofc2", "not the password")
    with pytest.raises(AccessDenied, match="account is locked"):
        gov.login("ofc2", NEW_PW)
    assert users(url, "unlock", "ofc2") == 0
    assert "ofc2 unlocked" in capsys.readouterr().out
    assert gov.login("ofc2", NEW_PW).username == "ofc2"
    with gov.Session() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "ofc2")) == 0

    reset = "another long passphrase"
    monkeypatch.setenv("ALPR_NEW_PASSWORD", reset)
    assert users(url, "reset-password", "ofc2") == 0
    assert "password of ofc2 reset" in capsys.readouterr().out
    with pytest.raises(AccessDenied):
        gov.login("ofc2", NEW_PW)
    assert gov.login("ofc2", reset).username == "ofc2"
    details = [json.loads(r[3]) for r in audit(gov, "users.manage") if r[1] == "ofc2"]
    assert any(d.get("unlock") for d in details)
    assert any(d.get("reset_password") for d in details)


def test_non_administrator_is_refused_and_recorded(store, capsys, monkeypatch):
    url, gov = store
    assert users(url, "create", "ofc3", "--role", "operator", "--full-name", "Three",
                 "--certified-until", str(dt.date.today() + dt.timedelta(days=30))) == 0
    capsys.readouterr()
    monkeypatch.setenv("ALPR_PASSWORD", NEW_PW)  # ofc3's own password
    assert users(url, "unlock", "chief", user="ofc3") == 2
    err = capsys.readouterr().err
    assert "users.manage denied: role 'operator' may not" in err and "Traceback" not in err
    assert ("ofc3", "chief", False) in [r[:3] for r in audit(gov, "users.manage")]
    assert users(url, "list", user="ofc3") == 2


@pytest.mark.parametrize("argv, message", [
    (("create", "Bad Name", "--role", "operator", "--full-name", "X"),
     "username 'Bad Name': must be 2-64 characters"),
    (("create", "x" * 65, "--role", "operator", "--full-name", "X"),
     "must be 2-64 characters"),
    (("create", "ofc4", "--role", "operator", "--full-name", "  "),
     "full name '  ': must be 1-200 printable characters"),
    (("create", "chief", "--role", "operator", "--full-name", "Again"),
     "username 'chief': already exists"),
    (("create", "ofc4", "--role", "operator", "--full-name", "X", "--certified-until",
      "2000-01-01"), "--certified-until 2000-01-01: must be after today"),
    (("unlock", "ghost"), "username 'ghost': no such user"),
    (("reset-password", "ghost"), "username 'ghost': no such user"),
    (("certify", "ghost", "--kind", "both", "--expires", "2099-01-01"),
     "username 'ghost': no such user"),
    (("certify", "chief", "--kind", "sled_ncic", "--expires", "2020-01-01", "--issued",
      "2021-01-01"), "expires_on 2020-01-01: must be after issued_on 2021-01-01"),
])
def test_bad_input_names_the_field_and_rule(store, capsys, argv, message):
    url, gov = store
    assert users(url, *argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    with gov.Session() as s:
        assert s.scalar(select(User.id).where(User.username == "ofc4")) is None


def test_short_new_password_and_bad_date(store, capsys, monkeypatch):
    url, _ = store
    monkeypatch.setenv("ALPR_NEW_PASSWORD", "short")
    assert users(url, "reset-password", "chief") == 2
    assert "password: at least 10 characters" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse: usage and exit 2
        users(url, "certify", "chief", "--kind", "both", "--expires", "2027-13-01")
    assert exc.value.code == 2
    assert "--expires '2027-13-01': must be a date YYYY-MM-DD" in capsys.readouterr().err
