"""Shared by the dashboards' browser tests: `alpr serve` on the sample department in a
subprocess, plain HTTP helpers and a headless Chromium (Debian's chromium + chromedriver,
driven by Selenium). Without Chromium the tests skip, except in CI (CI=true): they fail."""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from alpr.dashboards.sample import SAMPLE, build
from alpr.governance.access import Governance
from alpr.store.db import make_engine

DEEP = """
const skip = new Set(['STYLE', 'SCRIPT', 'TEMPLATE']);
function text(n) {
  let s = '';
  if (n.shadowRoot) s += text(n.shadowRoot);
  for (const c of n.childNodes) {
    if (c.nodeType === 3) s += c.textContent + ' ';
    else if ((c.nodeType === 1 && !skip.has(c.tagName)) || c.nodeType === 11) s += text(c);
  }
  return s;
}
function find(n, pred) {
  if (n.nodeType === 1 && pred(n)) return n;
  const kids = [...(n.shadowRoot ? [n.shadowRoot] : []), ...(n.children || [])];
  for (const c of kids) { const r = find(c, pred); if (r) return r; }
  return null;
}
"""


def binaries() -> tuple[str, str]:
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chrome and driver:
        return chrome, driver
    msg = ("Chromium and chromedriver are needed for the browser tests "
           "(apt-get install chromium chromium-driver)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {msg}; .ci/run installs them")
    pytest.skip(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    """Status and Location of a GET (redirects not followed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Location") or ""
    finally:
        conn.close()


SMALL = SAMPLE  # the one sample department (alpr.dashboards.sample), not a copy of it


def wait_until_served(proc: subprocess.Popen, port: int, log_path: Path,
                      timeout: float = 60) -> None:
    """Wait for `alpr serve` to answer its sign-in page; fail the test (and stop the
    server) if it exits or does not answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"alpr serve exited: {log_path.read_text()}")
        try:
            if http_get(port, "/login")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"alpr serve did not answer within {timeout:.0f} s")


@dataclass
class Served:
    base: str
    port: int
    sample: object
    gov: Governance
    log: Path


def serve_sample(tmp: Path, args: tuple[str, ...] = (), env: dict | None = None):
    """Build the sample department in ``tmp`` and start `alpr serve` on it; a generator
    (for a fixture): yields :class:`Served`, then stops the server."""
    sample = build(f"sqlite:///{tmp / 'alpr.db'}", SAMPLE, images=tmp / "images")
    port = free_port()
    full_env = {**os.environ, "ALPR_COOKIE_SECRET": "test-secret-" + "x" * 20,
                "MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}", **(env or {})}
    log_path = tmp / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "alpr.cli", "serve", "--db", sample.url,
                             "--port", str(port), "--address", "127.0.0.1", *args],
                            stdout=log, stderr=subprocess.STDOUT, env=full_env)
    wait_until_served(proc, port, log_path)
    gov = Governance(make_engine(sample.url), today=lambda: sample.today)
    try:
        yield Served(f"http://127.0.0.1:{port}", port, sample, gov, log_path)
    finally:
        gov.engine.dispose()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def chrome(tmp: Path, downloads: Path | None = None):
    """A headless Chromium (``.quit()`` when done); its console log is kept."""
    chrome_bin, driver = binaries()
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = chrome_bin
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,2000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads is not None:
        opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                               "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(driver), options=opts)
