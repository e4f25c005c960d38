"""The Equipment page in a real headless Chromium, served over the smoke simulated department
(with the camera diagnostics, as `alpr serve` runs by default): its first screen names the
cameras that must come out of service and why, and the camera table starts with them.
Skips without Chromium, except in CI (dashboard_kit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dashboard_kit import DEEP, binaries, chrome, free_port, wait_until_served
from sim_kit import smoke_department  # noqa: F401  (session fixture)

from alpr.governance.access import Governance
from alpr.health.report import health_report
from alpr.store.db import make_engine

pytestmark = pytest.mark.slow
FIRST_SCREEN_PX = 900  # a laptop's screen height: what is seen without scrolling


@pytest.fixture(scope="module")
def served(smoke_department, tmp_path_factory):  # noqa: F811
    binaries()
    d = smoke_department
    tmp = tmp_path_factory.mktemp("equipment-browser")
    port = free_port()
    env = {**os.environ, "ALPR_COOKIE_SECRET": "test-secret-" + "x" * 20,
           "ALPR_IMAGE_ROOT": str(d.out / "images"),
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}"}
    log_path = tmp / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "alpr.cli", "serve", "--db", d.url,
                                 "--port", str(port), "--address", "127.0.0.1"],
                                stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_until_served(proc, port, log_path, 120)  # the diagnostics align every frame
            browser = chrome(tmp)
            try:
                yield d, f"http://127.0.0.1:{port}", browser, tmp
            finally:
                browser.quit()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _element(browser, element_id: str, timeout: float = 60) -> dict:
    """Text and position of the element with this id (searched through shadow roots)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = browser.execute_script(
            DEEP + f"const e = find(document.body, n => n.id === {json.dumps(element_id)}); "
                   "if (!e || !e.textContent) return null; const r = e.getBoundingClientRect(); "
                   "return {text: e.textContent, top: r.top, right: r.right, "
                   "width: window.innerWidth, first: (e.querySelector('tbody tr') || {})"
                   ".dataset};")
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"#{element_id} did not appear")


def test_first_screen_names_the_cameras_to_remove_and_why(served):
    from selenium.webdriver.common.by import By

    d, base, b, tmp = served
    gov = Governance(make_engine(d.url), today=lambda: d.cfg.day(d.cfg.days - 1))
    failing = sorted(h.camera for h in health_report(gov, gov.login("admin",
                                                                    d.cfg.admin_password))
                     if h.must_remove)
    gov.engine.dispose()
    assert failing
    b.delete_all_cookies()
    b.get(base + "/login")
    b.find_element(By.ID, "username").send_keys("admin")
    b.find_element(By.ID, "password").send_keys(d.cfg.admin_password)
    b.find_element(By.ID, "login-submit").click()
    deadline = time.monotonic() + 20
    while b.current_url.endswith("/login") and time.monotonic() < deadline:
        time.sleep(0.05)
    b.get(base + "/equipment")
    kpi = _element(b, "kpi-equipment")
    assert f"{len(failing)} to remove from service now (policy II.B)" in " ".join(
        kpi["text"].split())
    box = _element(b, "equipment-remove")
    text = " ".join(box["text"].split())
    for cam in failing:
        assert cam in text
    assert "out of alignment" in text and "dirty lens" in text and "II.B" in text
    assert box["top"] < FIRST_SCREEN_PX, box["top"]  # seen without scrolling
    cams = _element(b, "equipment-cameras")
    assert cams["first"]["status"] == "remove from service"
    assert cams["right"] <= cams["width"] + 1  # nothing off-screen to the right
    time.sleep(0.5)
    assert b.save_screenshot(str(Path(os.environ.get("ALPR_SCREENSHOTS", tmp))
                                 / "equipment-smoke.png"))
