"""Attacks on hot lists: a new version much smaller than the current one (a truncated file,
a one-line file named like the NCIC extract) does not replace it unless an administrator
confirms, and the drop is audited; expiry times need a UTC offset."""

import json

import pytest
from sqlalchemy import select
from store_kit import PW, add_user, cli_store, department

from alpr.cli import main
from alpr.governance.access import AccessDenied, Governance
from alpr.governance.hotlists import active_entries, load_list, load_list_checked
from alpr.hotlist.importers import load_hotlist
from alpr.store.db import make_engine
from alpr.store.schema import AuditEntry, HotListVersion

NCIC = "ncic_extract.txt"


def ncic(path, n):
    path.write_text("".join(f"{i:07d};CA;stolen vehicle;V{i}\n" for i in range(n)))
    return path


@pytest.fixture
def world(db_url, tmp_path):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    yield gov, admin, op, tmp_path / "lists"
    gov.engine.dispose()


def entries(gov):
    import datetime as dt

    with gov.Session() as s:
        return len(active_entries(s, dt.datetime.now(dt.UTC)))


def test_a_one_line_file_does_not_replace_the_list(world):
    gov, admin, op, folder = world
    folder.mkdir()
    load_list(gov, op, ncic(folder / NCIC, 4009))
    (folder / "elsewhere").mkdir()
    with pytest.raises(AccessDenied, match="1 entries, under half of the 4009"):
        load_list(gov, op, ncic(folder / "elsewhere" / NCIC, 1))
    assert entries(gov) == 4009
    with gov.Session() as s:
        assert s.scalar(select(HotListVersion.rows_loaded).order_by(
            HotListVersion.id.desc()).limit(1)) == 4009
        denied = s.execute(select(AuditEntry.actor, AuditEntry.action).where(
            AuditEntry.allowed.is_(False))).all()
    assert ("ofc1", "hotlists.load") in denied


@pytest.mark.parametrize(("n", "loads"), [(49, False), (50, True)])
def test_half_is_the_line(world, n, loads):
    gov, admin, op, folder = world
    folder.mkdir()
    load_list(gov, op, ncic(folder / NCIC, 100))
    if loads:
        load_list(gov, op, ncic(folder / NCIC, n))
    else:
        with pytest.raises(AccessDenied, match="--confirm-shrink"):
            load_list(gov, op, ncic(folder / NCIC, n))
    assert entries(gov) == (n if loads else 100)


def test_only_an_administrator_confirms_a_shrink_and_it_is_audited(world):
    gov, admin, op, folder = world
    folder.mkdir()
    load_list(gov, op, ncic(folder / NCIC, 200))
    with pytest.raises(AccessDenied, match="role 'operator'"):
        load_list(gov, op, ncic(folder / NCIC, 10), confirm_shrink=True)
    vid, hot, shrink = load_list_checked(gov, admin, ncic(folder / NCIC, 10),
                                         confirm_shrink=True)
    assert (shrink.previous_entries, shrink.entries, shrink.confirmed_by) == (200, 10, "chief")
    assert entries(gov) == 10
    with gov.Session() as s:
        row = s.execute(select(AuditEntry).where(AuditEntry.action == "hotlists.shrunk")).scalar_one()
    assert row.actor == "chief" and json.loads(row.detail)["previous_entries"] == 200


def test_cli_shows_the_refusal_and_the_confirmed_drop(tmp_path, monkeypatch, capsys):
    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    gov = Governance(make_engine(url))
    add_user(gov, gov.login("chief", PW), "ofc1")
    gov.engine.dispose()
    full, short = ncic(tmp_path / NCIC, 40), tmp_path / "short" / NCIC
    short.parent.mkdir()
    ncic(short, 3)
    assert main(["hotlist", "load", str(full), "--user", "ofc1", "--db", url]) == 0
    capsys.readouterr()
    assert main(["hotlist", "load", str(short), "--user", "ofc1", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "3 entries, under half of the 40" in err and "Traceback" not in err
    assert main(["hotlist", "load", str(short), "--confirm-shrink", "--user", "chief",
                 "--db", url]) == 0
    assert "entries dropped from 40 (version 1) to 3, confirmed by chief" in \
        capsys.readouterr().out


def test_an_expiry_without_a_zone_is_a_rejected_row(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("plate,state,category,expires_at\nABC1,CA,SV,2026-12-31T18:00:00\n"
                    "ABC2,CA,SV,2026-12-31T18:00:00-05:00\nABC3,CA,SV,2026-12-31\n")
    hot = load_hotlist(path)
    assert [(e.line, e.field) for e in hot.rejections] == [(2, "expires_at")]
    assert "UTC offset" in hot.rejections[0].rule
    assert {e.plate: e.expires_at.isoformat() for e in hot.entries} == {
        "ABC2": "2026-12-31T23:00:00+00:00", "ABC3": "2027-01-01T00:00:00+00:00"}
