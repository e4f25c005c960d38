"""The annual re-evaluation report: every policy section, figures that match the store, a PDF
that renders, recommendations that follow from the figures, and access control."""

import datetime as dt
import re

import pytest
from sim_kit import smoke_department  # noqa: F401  (session fixture)
from sqlalchemy import func, select
from store_kit import PW, add_user, department

from alpr.governance.access import AccessDenied
from alpr.governance.equipment import report_problem
from alpr.governance.hotlists import load_list, start_shift, verify_hit
from alpr.governance.records import ingest_rows
from alpr.report import build_annual_report, collect, pdf_page_png
from alpr.report.collect import clauses
from alpr.simulate.faults import read_faults
from alpr.store.schema import AuditEntry, Hit

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the department's "today" at start-up


def now():
    """The clock when a test builds its report (the suite may run across midnight)."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)


@pytest.fixture
def world(db_url, tmp_path):
    gov, admin = department(db_url, today=NOW.date())
    op = add_user(gov, admin, "ofc1")
    add_user(gov, admin, "lapsed", certified=False)
    aud = add_user(gov, admin, "aud1", "auditor")
    gov.add_camera(admin, "CAM-1", "stationary", location="Main St")
    gov.add_camera(admin, "CAM-2", "stationary", location="Bridge")
    hot = tmp_path / "ncic.txt"
    hot.write_text("ABC1234;VA;stolen vehicle\nXYZ777;VA;stolen vehicle\n")
    load_list(gov, op, hot)
    start_shift(gov, op, "Unit 1")
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    rows = [(i, {"read_at": when, "camera": "CAM-1", "plate": p, "confidence": 0.9,
                 "state": "VA", "state_confidence": 0.9})
            for i, p in enumerate(["ABC1234", "XYZ777", "QQQ111", "RRR222"], 1)]
    assert ingest_rows(gov, op, rows).hits == 2
    with gov.Session() as s:
        h1, h2 = s.scalars(select(Hit.id).order_by(Hit.id)).all()
    verify_hit(gov, op, h1, chars_match=True, state_match=True, dispatch_confirmed=True,
               outcome="confirmed", action_taken="stop made, vehicle recovered")
    verify_hit(gov, op, h2, chars_match=False, state_match=True, dispatch_confirmed=False,
               outcome="misread")
    report_problem(gov, op, "CAM-2", "damage", "lens cracked by a stone")
    yield gov, admin, op, aud
    gov.engine.dispose()


def test_report_has_every_clause_and_the_store_figures(world, tmp_path):
    gov, admin, op, aud = world
    out, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    data = build_annual_report(gov, aud, NOW.year, out, pdf, now=now())
    html = out.read_text()
    for c in clauses():  # every policy section, with what it requires
        assert c.title in html and c.clause in html and c.requires[:40] in html
    s = data.summary.set_index("key")
    # 3 of 4 active users are certified ('lapsed' is not): 75%, and named as an exception.
    assert s.loc["certified_users", "value"] == pytest.approx(3 / 4)
    assert "75.0%" in html and "lapsed" in html
    # Two verified hits, one a misread: 50%, shown with its Wilson interval.
    assert data.verifications[["confirmed", "misread"]].sum().tolist() == [1, 1]
    assert re.search(r"Of 2 verified hits, 1 were misreads", html)
    # CAM-2's damage report is open: it is out of service and its availability is below 100%.
    cam2 = data.equipment.set_index("camera").loc["CAM-2"]
    assert cam2["damage"] == 1 and not cam2["in_service"] and cam2["availability"] < 1
    assert data.reads_by_month["reads"].sum() == 4
    assert data.retention["hits_acted_on"] == 1
    assert data.security["chain_ok"] and "intact" in html
    # Recommendations follow from the figures: the uncertified user is named.
    assert any("lapsed" in r and "I.A" in r for r in recommendation_texts(html))
    # Self-contained: charts are inlined, nothing is fetched.
    assert "data:image/png;base64," in html and "src=\"http" not in html
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    png = pdf_page_png(pdf, tmp_path / "page1.png")
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one
    with gov.Session() as sess:
        assert sess.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "report.annual", AuditEntry.actor == "aud1")) == 1


def recommendation_texts(html):
    block = html.split("<h2>Recommendations</h2>")[1].split("</ol>")[0]
    return re.findall(r"<li>(.*?)</li>", block, flags=re.S)


def test_operators_may_not_build_the_report(world, tmp_path):
    gov, admin, op, aud = world
    with pytest.raises(AccessDenied):
        collect(gov, op, NOW.year)
    with pytest.raises(ValueError, match="has not started"):
        collect(gov, admin, NOW.year + 1, now=NOW)


def test_cli_writes_html_and_pdf(tmp_path, monkeypatch, capsys):
    from store_kit import cli_store

    from alpr.cli import main

    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    out = tmp_path / "r" / "annual.html"
    assert main(["report", "annual", "--db", url, "--user", "chief", "--out", str(out)]) == 0
    assert "targets met" in capsys.readouterr().out
    assert out.is_file() and out.with_suffix(".pdf").is_file()
    monkeypatch.setenv("ALPR_PASSWORD", "wrong password")
    assert main(["report", "annual", "--db", url, "--user", "chief", "--out", str(out),
                 "--no-pdf"]) == 1


def test_report_on_the_simulated_department(smoke_department, tmp_path):  # noqa: F811
    """The demo-style department (simulated, read by the real recognizer): every policy
    section, and headline figures equal to what the store holds."""
    from alpr.governance.access import Governance
    from alpr.store.db import make_engine
    from alpr.store.schema import HitVerification, Read

    d = smoke_department
    end = dt.datetime.combine(d.cfg.day(d.cfg.days), dt.time(), dt.UTC)
    gov = Governance(make_engine(d.url), today=lambda: d.cfg.day(d.cfg.days - 1))
    admin = gov.login("admin", d.cfg.admin_password)
    out = tmp_path / "annual.html"
    data = build_annual_report(gov, admin, d.cfg.start.year, out, now=end)
    html = out.read_text()
    for c in clauses():
        assert c.title in html and c.requires[:40] in html
    with gov.Session() as s:
        reads = s.scalar(select(func.count(Read.id)).where(Read.read_at < end))
        outcomes = dict(s.execute(select(HitVerification.outcome, func.count(HitVerification.id))
                                  .where(HitVerification.verified_at < end)
                                  .group_by(HitVerification.outcome)).all())
    assert data.reads_by_month["reads"].sum() == reads
    assert f"{reads:,}" in html
    got = data.verifications.drop(columns=["hits"]).sum()
    assert {k: int(v) for k, v in got.items() if v} == outcomes
    assert data.equipment["reads"].sum() == reads
    # The injected unit failure shows as a malfunction report on its camera.
    failed = next(f for f in read_faults(d.out / "faults.json") if f.kind == "unit_failure")
    assert data.equipment.set_index("camera").loc[failed.camera, "malfunctions"] >= 1
    gov.engine.dispose()
