"""End to end in a real headless Chromium (Debian's chromium + chromedriver, driven by
Selenium): `alpr serve` on the sample department; sign-in rules, every page's key figures
against the store, screenshots, audited page views and exports, and no data without a
session. Skips without chromium, except in CI (CI=true), where it fails (dashboard_kit).
The attacks on sign-in and sessions are in tests/security/test_dashboard_security.py."""

import datetime as dt
import json
import os
import re
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from dashboard_kit import DEEP, binaries, chrome, http_get, serve_sample
from sqlalchemy import func, select

from alpr.dashboards.signin import BAD_LOGIN
from alpr.dashboards.store import actor_for
from alpr.governance import compliance
from alpr.governance.compliance_metrics import catalog
from alpr.health.misreads import hit_error
from alpr.store.schema import AuditEntry, Camera, Hit, HitVerification, Read

pytestmark = pytest.mark.slow
PAGES = ("equipment", "misreads", "compliance", "model")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    binaries()
    tmp = tmp_path_factory.mktemp("dash")
    served = serve_sample(tmp)
    srv = next(served)
    downloads = tmp / "downloads"
    downloads.mkdir()
    browser = chrome(tmp, downloads)
    shots = Path(os.environ.get("ALPR_SCREENSHOTS", tmp / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    yield {"base": srv.base, "port": srv.port, "browser": browser, "sample": srv.sample,
           "gov": srv.gov, "shots": shots, "downloads": downloads, "timings": {}}
    browser.quit()
    served.close()


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    return http_get(port, path, headers)


def _login(srv, user: str, password: str | None = None) -> None:
    from selenium.webdriver.common.by import By

    b = srv["browser"]
    b.delete_all_cookies()
    b.get(srv["base"] + "/login")
    b.find_element(By.ID, "username").send_keys(user)
    b.find_element(By.ID, "password").send_keys(password or srv["sample"].password)
    b.find_element(By.ID, "login-submit").click()
    deadline = time.monotonic() + 20  # wait for the redirect: to the page, or back with an error
    while b.current_url.endswith("/login") and time.monotonic() < deadline:
        time.sleep(0.05)


def _wait_text(srv, element_id: str, timeout: float = 30) -> str:
    """Text of the element with this id, searched through shadow roots, once it exists."""
    b = srv["browser"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = b.execute_script(DEEP + f"const e = find(document.body, n => n.id === "
                                      f"{json.dumps(element_id)}); return e && e.textContent;")
        if got:
            return " ".join(got.split())
        time.sleep(0.05)
    raise AssertionError(f"#{element_id} did not appear; page says: "
                         f"{' '.join(b.execute_script(DEEP + 'return text(document.body);').split())[:800]}")


def _page_text(srv) -> str:
    return " ".join(srv["browser"].execute_script(DEEP + "return text(document.body);").split())


def _audit(srv, action: str) -> list[tuple]:
    with srv["gov"].Session() as s:
        return [tuple(r) for r in s.execute(select(
            AuditEntry.actor, AuditEntry.target, AuditEntry.allowed, AuditEntry.detail)
            .where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_no_page_or_data_without_a_session(server):
    port = server["port"]
    for page in ("", *PAGES):
        status, location = _get(port, f"/{page}")
        assert status == 302 and "login?next=" in location, (page, status, location)
    # The websocket that carries every page's data, and the embeddable script, likewise.
    assert _get(port, "/equipment/ws", {"Upgrade": "websocket", "Connection": "Upgrade",
                                        "Sec-WebSocket-Version": "13",
                                        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
                )[0] in (401, 403)
    status, location = _get(port, "/compliance/autoload.js?bokeh-autoload-element=x")
    assert status == 302 and "login?next=" in location
    # A forged cookie is not a session.
    assert _get(port, "/model", {"Cookie": "user=chief"})[0] == 302
    b = server["browser"]
    b.delete_all_cookies()
    b.get(server["base"] + "/misreads")
    assert "/login" in b.current_url and "authorised personnel only" in b.page_source.lower()


def test_operator_and_lapsed_certification_are_refused(server):
    from selenium.webdriver.common.by import By

    b = server["browser"]
    _login(server, "ofc1")
    assert "/login" in b.current_url
    # One message for every failure (it does not tell that the password was right).
    assert b.find_element(By.ID, "error").text == BAD_LOGIN
    b.get(server["base"] + "/equipment")
    assert "/login" in b.current_url  # no session was given
    _login(server, "retired")
    assert b.find_element(By.ID, "error").text == BAD_LOGIN
    _login(server, "chief", "not the password")
    assert b.find_element(By.ID, "error").text == BAD_LOGIN
    denied = {r[0]: json.loads(r[3])["reason"] for r in _audit(server, "dashboards.login")
              if not r[2]}  # the audit trail keeps the real reasons
    assert "role 'operator' may not" in denied["ofc1"]
    assert "no current alpr_training and sled_ncic" in denied["retired"]


def test_administrator_opens_every_page_with_the_store_figures(server):
    b, gov = server["browser"], server["gov"]
    with gov.Session() as s:
        cams = s.scalar(select(func.count(Camera.id)))
        in_service = s.scalar(select(func.count(Camera.id)).where(Camera.in_service))
        # each verification's cause by the one rule (a read that matched the vehicle is not
        # the recognizer's misread): the page must count the same
        causes = Counter(hit_error(*r) for r in s.execute(select(
            HitVerification.outcome, Read.plate, Read.state, HitVerification.seen_plate,
            HitVerification.seen_state).join(Hit, Hit.id == HitVerification.hit_id)
            .join(Read, Read.id == Hit.read_id)))
        reads = s.scalar(select(func.count(Read.id)))
    # Which targets are met: the governance layer's own summary for the page's default
    # period (the 30 days up to the newest read) is the reference.
    end = dt.datetime.combine(server["sample"].today + dt.timedelta(days=1), dt.time(), dt.UTC)
    meets = compliance.summary(gov, actor_for(gov, "chief"), end,
                               since=end - dt.timedelta(days=30))["meets_target"]
    judged = [m for m in meets if m is not None and not pd.isna(m)]
    met = sum(bool(m) for m in judged)
    verified = sum(causes.values())
    ocr = causes["ocr_characters"] + causes["ocr_state"]
    expected = {
        "equipment": f"{cams} cameras · {in_service} in service · {cams - in_service} out of "
                     f"service",
        "misreads": f"{verified} verified hits · {ocr} recognizer misreads "
                    f"({ocr / verified:.1%}: {causes['ocr_characters']} characters, "
                    f"{causes['ocr_state']} state) · {causes['wrong_entry']} wrong hot-list "
                    f"entries ({causes['wrong_entry'] / verified:.1%}, read was right)",
        "compliance": f"{met} of {len(judged)} targets met",
        "model": f"{reads:,} reads in the period",
    }
    _login(server, "chief")
    for page in PAGES:
        start = time.monotonic()
        b.get(f"{server['base']}/{page}")
        kpi = _wait_text(server, f"kpi-{'model-live' if page == 'model' else page}")
        server["timings"][page] = round(time.monotonic() - start, 2)
        assert expected[page] in kpi, (page, kpi)
        if page in ("equipment", "misreads"):  # reference/current frames; rejected hits
            imgs = b.execute_script(DEEP + "let n = 0; (function count(x) { if (x.tagName "
                                    "=== 'IMG') n++; if (x.shadowRoot) count(x.shadowRoot); "
                                    "for (const c of x.children || []) count(c); })"
                                    "(document.body); return n;")
            assert imgs >= 2, (page, imgs)
        time.sleep(0.5)  # let the figures finish drawing before the screenshot
        assert b.save_screenshot(str(server["shots"] / f"{page}.png"))
    from alpr.recognizer.recognizer import default_model_dir

    card = json.loads((default_model_dir() / "card.json").read_text())
    shown = f"exact match (O/0 folded): {card['metrics_val']['exact_match_o_folded']:.1%}"
    assert shown in _page_text(server)  # the shipped model card's figure
    views = {(r[0], r[1]) for r in
             [x for p in PAGES for x in _audit(server, f"dashboards.{p}")] if r[2]}
    assert {("chief", p) for p in PAGES} <= views
    print("first view (s):", server["timings"], "screenshots:", server["shots"])
    assert max(server["timings"].values()) < 20


def test_compliance_export_is_audited(server):
    _login(server, "chief")
    server["browser"].get(server["base"] + "/compliance")
    _wait_text(server, "kpi-compliance")
    before = len(_audit(server, "dashboards.export"))
    clicked = server["browser"].execute_script(
        DEEP + "const e = find(document.body, n => n.tagName === 'A' && "
               "n.textContent.includes('Export this table')); if (e) e.click(); return !!e;")
    assert clicked
    deadline = time.monotonic() + 20
    while len(_audit(server, "dashboards.export")) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    actor, target, allowed, detail = _audit(server, "dashboards.export")[-1]
    assert (actor, target, allowed) == ("chief", "compliance/compliance", True)
    assert json.loads(detail)["rows"] == len(catalog())  # one row per metric
    csv = server["downloads"] / "compliance.csv"
    while not csv.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = csv.read_text().splitlines()
    assert lines[0] == ("period_from,period_to,clause,metric,key,value,unit,target,target_is,"
                        "status,records")  # typed: the period on every row, numbers as numbers
    assert all(not re.search(r"\d%", line) for line in lines[1:])


def test_auditor_sees_compliance_only(server):
    _login(server, "audit1")
    b = server["browser"]
    b.get(server["base"] + "/equipment")
    deadline = time.monotonic() + 20
    while "Not authorised" not in _page_text(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "role 'auditor' may not" in _page_text(server)
    assert ("audit1", "equipment", False) in [r[:3] for r in _audit(server,
                                                                    "dashboards.equipment")]
    b.get(server["base"] + "/compliance")
    assert "targets met" in _wait_text(server, "kpi-compliance")
    assert "Equipment health" not in _wait_text(server, "alpr-nav")


def test_filters_carry_over_in_the_address(server):
    _login(server, "chief")
    server["browser"].get(server["base"] + "/misreads?unit=South")
    kpi = _wait_text(server, "kpi-misreads")
    assert kpi.startswith("1 verified hits · 1 recognizer misreads (100.0%"), kpi
    nav = server["browser"].execute_script(
        DEEP + "const e = find(document.body, n => n.id === 'alpr-nav'); "
               "return [...e.querySelectorAll('a')].map(a => a.getAttribute('href'));")
    assert any(h.startswith("/equipment?") and "unit=South" in h for h in nav), nav


def _select_option(srv, label: str, value: str) -> bool:
    """Choose ``value`` in the sidebar's select named ``label``, as a user would."""
    return srv["browser"].execute_script(
        DEEP + "const l = find(document.body, n => n.tagName === 'LABEL' && "
               f"n.textContent.trim() === {json.dumps(label)}); if (!l) return false; "
               "const s = find(l.parentNode, n => n.tagName === 'SELECT'); if (!s) return false; "
               f"s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change', "
               "{bubbles: true})); s.dispatchEvent(new Event('input', {bubbles: true})); "
               "return true;")


def test_filters_chosen_in_the_sidebar_survive_a_reload(server):
    b = server["browser"]
    _login(server, "chief")
    b.get(server["base"] + "/misreads")
    everyone = _wait_text(server, "kpi-misreads")
    # the address names the period shown from the start (a bookmark keeps the period)
    end = server["sample"].today
    deadline = time.monotonic() + 20
    while f"end={end}" not in b.current_url and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"start={end - dt.timedelta(days=29)}&end={end}" in b.current_url, b.current_url
    assert _select_option(server, "Unit", "South")
    while "unit=South" not in b.current_url and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "unit=South" in b.current_url, b.current_url
    south = "1 verified hits · 1 recognizer misreads (100.0%"
    assert _wait_text(server, "kpi-misreads").startswith(south)
    b.refresh()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the old page's figures may show for a moment
        kpi = _wait_text(server, "kpi-misreads")
        if kpi.startswith(south):
            break
        time.sleep(0.2)
    assert kpi.startswith(south), (kpi, everyone)
    assert "unit=South" in b.current_url
    shown = b.execute_script(
        DEEP + "const l = find(document.body, n => n.tagName === 'LABEL' && "
               "n.textContent.trim() === 'Unit'); return find(l.parentNode, "
               "n => n.tagName === 'SELECT').value;")
    assert shown == "South"
    # back to every unit: the filter leaves the address, and a reload shows every unit again
    assert _select_option(server, "Unit", "(all)")
    deadline = time.monotonic() + 20
    while "unit=" in b.current_url and time.monotonic() < deadline:
        time.sleep(0.1)
    b.refresh()
    assert "unit=" not in b.current_url
    assert _wait_text(server, "kpi-misreads").split(" · ")[0] == everyone.split(" · ")[0]
