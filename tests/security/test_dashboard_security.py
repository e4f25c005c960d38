"""The attacks on the served dashboards (issue #16), against `alpr serve` on the sample
department: in headless Chromium (reflected script, open redirect, sign-out, the lock-out
of the administrators) and over raw HTTP (headers, cookie flags, CSRF, one message and one
timing for every failure, bounded audit rows). The server trusts X-Real-Ip
(--trust-proxy-headers), so raw requests can come "from" other addresses; back-offs start
at 0.5 s and stop at 1.5 s so the tests can wait them out."""

import base64
import json
import re
import statistics
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from dashboard_kit import DEEP, binaries, chrome, serve_sample
from sqlalchemy import func, or_, select, update

from alpr.dashboards.headers import FORM_CSP, PAGE_CSP
from alpr.dashboards.signin import BAD_LOGIN
from alpr.store.schema import AuditEntry, User

pytestmark = pytest.mark.slow
CAP = 1.5  # longest back-off on this server (seconds)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    binaries()
    tmp = tmp_path_factory.mktemp("security")
    served = serve_sample(tmp, ("--trust-proxy-headers",),
                          {"ALPR_SIGNIN_BACKOFF": f"0.5,{CAP}",
                           "ALPR_SIGNIN_AUDIT_WINDOW": "2"})
    s = next(served)
    s.browser = chrome(tmp)
    yield s
    s.browser.quit()
    served.close()


# -- raw HTTP ---------------------------------------------------------------------------
def form(srv, address="127.0.0.1", next_url=None):
    """A client that has loaded the sign-in form: (session, its CSRF token)."""
    http = requests.Session()
    http.headers["X-Real-Ip"] = address
    params = {"next": next_url} if next_url else {}
    page = http.get(srv.base + "/login", params=params, timeout=10)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return http, token


def post_login(srv, user, password, address="127.0.0.1", next_url=None):
    http, token = form(srv, address)
    data = {"csrf": token, "username": user, "password": password}
    if next_url is not None:
        data["next"] = next_url
    start = time.monotonic()
    resp = http.post(srv.base + "/login", data=data, allow_redirects=False, timeout=30)
    return http, resp, time.monotonic() - start


def signed_in(srv, address="127.0.0.1", user="chief", retry=True):
    """A client signed in as ``user``; once more after the longest back-off if an earlier
    test's failures for the account still hold new addresses back."""
    http, resp, _ = post_login(srv, user, srv.sample.password, address)
    if retry and resp.headers["Location"] != "/":
        time.sleep(CAP + 0.1)
        http, resp, _ = post_login(srv, user, srv.sample.password, address)
    assert resp.status_code == 302 and resp.headers["Location"] == "/", resp.headers
    return http


def audit_since(srv, first_id, action=None):
    with srv.gov.Session() as s:
        q = select(AuditEntry).where(AuditEntry.id > first_id).order_by(AuditEntry.id)
        if action:
            q = q.where(AuditEntry.action == action)
        return [(e.actor, e.action, e.target, e.allowed, json.loads(e.detail))
                for e in s.execute(q).scalars()]


def last_audit_id(srv):
    with srv.gov.Session() as s:
        return s.scalar(select(func.max(AuditEntry.id))) or 0


# -- in the browser ---------------------------------------------------------------------
def browser_login(srv, user, password, next_url=None):
    from selenium.webdriver.common.by import By

    b = srv.browser
    b.delete_all_cookies()
    b.get(srv.base + "/login" + (f"?next={requests.utils.quote(next_url)}" if next_url else ""))
    b.find_element(By.ID, "username").send_keys(user)
    b.find_element(By.ID, "password").send_keys(password)
    b.find_element(By.ID, "login-submit").click()
    deadline = time.monotonic() + 20
    while b.current_url.rstrip("/").endswith("/login") and time.monotonic() < deadline:
        time.sleep(0.05)
    deadline = time.monotonic() + 10
    while b.execute_script("return document.readyState") != "complete" and \
            time.monotonic() < deadline:
        time.sleep(0.05)


def wait_for(srv, js, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = srv.browser.execute_script(DEEP + js)
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {js}")


def no_alert(browser):
    from selenium.common.exceptions import NoAlertPresentException

    try:
        text = browser.switch_to.alert.text
    except NoAlertPresentException:
        return True
    browser.switch_to.alert.dismiss()
    raise AssertionError(f"an alert ran: {text!r}")


PAYLOAD = "<script>window.__pwned=1;alert(1)</script><img src=x onerror=\"window.__pwned=2\">"


def test_reflected_script_on_login_does_not_run(srv):
    b = srv.browser
    b.delete_all_cookies()
    b.get(srv.base + "/login?error=" + requests.utils.quote(PAYLOAD) + "&next="
          + requests.utils.quote('"><script>window.__pwned=3</script>'))
    time.sleep(0.5)
    assert no_alert(b)
    assert b.execute_script("return window.__pwned === undefined")
    assert b.execute_script("return document.querySelectorAll('img, script').length") == 0
    assert not b.find_elements("id", "error")  # an unknown code shows no message at all
    assert "pwned" not in b.page_source
    # Any text in the address is not shown either: only messages chosen by a code.
    b.get(srv.base + "/login?error=Your+session+expired.+Call+555-0100")
    assert "555-0100" not in b.page_source
    b.get(srv.base + "/login?error=failed")
    assert b.find_element("id", "error").text == BAD_LOGIN


def test_reflected_script_in_a_page_filter_does_not_run(srv):
    browser_login(srv, "chief", srv.sample.password)
    srv.browser.get(srv.base + "/equipment?camera=" + requests.utils.quote(PAYLOAD))
    text = wait_for(srv, "const t = text(document.body); return t.includes('Bad address') "
                         "&& t;")
    assert "camera filter this page cannot use" in text and "pwned" not in text
    assert no_alert(srv.browser)
    assert srv.browser.execute_script("return window.__pwned === undefined")
    # Panel and Bokeh still render under the Content-Security-Policy, with no violation.
    srv.browser.get(srv.base + "/misreads")
    wait_for(srv, "const e = find(document.body, n => n.id === 'kpi-misreads'); "
                  "return e && e.textContent;")
    violations = [e["message"] for e in srv.browser.get_log("browser")
                  if "Content Security Policy" in e["message"]]
    assert violations == []


@pytest.mark.parametrize("next_url", ["///elsewhere.example/", "/\\elsewhere.example"])
def test_open_redirect_after_sign_in_is_refused(srv, next_url):
    browser_login(srv, "chief", srv.sample.password, next_url=next_url)
    url = srv.browser.current_url
    assert url.startswith(srv.base + "/") and "elsewhere" not in url, url


@pytest.mark.parametrize("next_url", ["//elsewhere.example", "https://elsewhere.example/",
                                      "/\\/elsewhere.example", "javascript:alert(1)",
                                      "/\r\nSet-Cookie: planted=1"])
def test_open_redirect_over_http_is_refused(srv, next_url):
    _, resp, _ = post_login(srv, "chief", srv.sample.password, "10.3.0.1", next_url)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert "planted" not in resp.headers.get("Set-Cookie", "")
    page = requests.get(srv.base + "/login", params={"next": next_url}, timeout=10)
    assert 'name="next" value="/"' in page.text
    kept = post_login(srv, "chief", srv.sample.password, "10.3.0.1", "/misreads?unit=North")[1]
    assert kept.headers["Location"] == "/misreads?unit=North"


def test_old_cookie_opens_nothing_after_sign_out(srv):
    b = srv.browser
    browser_login(srv, "chief", srv.sample.password)
    b.get(srv.base + "/")
    wait_for(srv, "return find(document.body, n => n.classList && "
                  "n.classList.contains('alpr-sign-out'));")
    old = b.get_cookie("alpr_session")["value"]
    assert requests.get(srv.base + "/", cookies={"alpr_session": old},
                        allow_redirects=False, timeout=60).status_code == 200
    b.execute_script(DEEP + "find(document.body, n => n.classList && "
                            "n.classList.contains('alpr-sign-out')).click();")
    deadline = time.monotonic() + 20
    while "signed-out" not in b.current_url and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b.find_element("id", "error").text == "You have signed out."
    assert b.get_cookie("alpr_session") is None
    for path in ("/equipment", "/", "/misreads/autoload.js?bokeh-autoload-element=x"):
        resp = requests.get(srv.base + path, cookies={"alpr_session": old},
                            allow_redirects=False, timeout=10)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
    ws = requests.get(srv.base + "/equipment/ws", cookies={"alpr_session": old}, headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, allow_redirects=False, timeout=10)
    assert ws.status_code in (401, 403)
    logouts = audit_since(srv, 0, "dashboards.logout")
    assert logouts and logouts[-1][0] == "chief"


def test_sign_out_needs_a_post_with_the_session_token(srv):
    http = signed_in(srv, "10.4.0.1")
    # A link or image on another site (GET) does not sign anyone out; it shows a button.
    page = http.get(srv.base + "/logout", timeout=10)
    assert page.status_code == 200 and 'id="logout-form"' in page.text
    assert http.get(srv.base + "/", allow_redirects=False, timeout=60).status_code == 200
    # A forged POST without the token is refused and the session stays.
    forged = http.post(srv.base + "/logout", data={"csrf": "guess"}, allow_redirects=False,
                       timeout=10)
    assert forged.status_code == 403
    assert http.get(srv.base + "/", allow_redirects=False, timeout=60).status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = http.post(srv.base + "/logout", data={"csrf": token}, allow_redirects=False,
                     timeout=10)
    assert done.status_code == 303 and done.headers["Location"] == "/login?error=signed-out"
    assert http.get(srv.base + "/", allow_redirects=False, timeout=60).status_code == 302


def test_session_fixation_a_planted_id_is_replaced(srv):
    http, token = form(srv, "10.5.0.1")
    http.cookies.set("alpr_session", "attacker-chosen-id")
    resp = http.post(srv.base + "/login", data={"csrf": token, "username": "chief",
                                                "password": srv.sample.password},
                     allow_redirects=False, timeout=30)
    new = resp.cookies.get("alpr_session")
    assert new and new != "attacker-chosen-id"
    assert requests.get(srv.base + "/misreads", cookies={"alpr_session": "attacker-chosen-id"},
                        allow_redirects=False, timeout=10).status_code == 302


def test_locking_out_the_administrators_does_not_keep_them_out(srv):
    with srv.gov.Session() as s:
        admins = s.scalars(select(User.username).where(User.role == "administrator")).all()
    first = last_audit_id(srv)

    def attack(args):
        user, address, i = args
        return post_login(srv, user, f"guess number {i}", address)[1].status_code

    # 8 wrong passwords for every administrator from one address ...
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(attack, [(u, "10.66.0.1", i) for u in admins
                                     for i in range(8)])) == {302}
    with srv.gov.Session() as s:  # the store's hard lock is not used by web posts
        assert s.execute(select(User.username).where(
            User.role == "administrator", or_(User.locked, User.failed_logins > 0))).all() == []
    # ... and 12 more for chief from 12 other addresses: the administrator still signs in
    # at once from the browser (the address chief signs in from), and from a new address
    # once the back-off (at most CAP seconds) has run out.
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(attack, [("chief", f"10.67.0.{i}", i) for i in range(12)]))
    browser_login(srv, "chief", srv.sample.password)
    assert "/login" not in srv.browser.current_url
    time.sleep(CAP + 0.2)
    assert signed_in(srv, "10.68.0.1", retry=False)
    # Every attempt is in the audit trail: those checked against the store as login
    # denials, those held back before it in login.refused rows with their counts.
    total = 8 * len(admins) + 12
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = audit_since(srv, first)
        checked = [r for r in rows if r[1] == "login" and not r[3]]
        refused = [r for r in rows if r[1] == "login.refused"]
        if len(checked) + sum(r[4]["attempts"] for r in refused) >= total:
            break
        time.sleep(0.3)
    assert len(checked) + sum(r[4]["attempts"] for r in refused) == total
    assert any(r[2] == "10.66.0.1" for r in refused)  # the attacker was held back


def test_security_headers_on_every_response(srv):
    http = signed_in(srv, "10.7.0.1")
    login = requests.get(srv.base + "/login", timeout=10)
    page = http.get(srv.base + "/misreads", timeout=60)
    script = re.search(r'src="/?(static/[^"]+\.js[^"]*)"', page.text).group(1)
    static = http.get(f"{srv.base}/{script}", timeout=10)
    assert static.status_code == 200
    for resp in (login, page, static, requests.get(srv.base + "/equipment", timeout=10)):
        h = resp.headers
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert login.headers["Content-Security-Policy"] == FORM_CSP  # no script at all
    assert page.headers["Content-Security-Policy"] == PAGE_CSP
    assert "Strict-Transport-Security" not in page.headers  # plain HTTP here


def test_cookie_flags_and_session_kept_out_of_the_page(srv):
    http, resp, _ = post_login(srv, "chief", srv.sample.password, "10.8.0.1")
    cookie = resp.headers["Set-Cookie"]
    assert "alpr_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    form_cookie = requests.get(srv.base + "/login", timeout=10).headers["Set-Cookie"]
    assert "HttpOnly" in form_cookie and "SameSite=Strict" in form_cookie
    # Behind a TLS proxy (X-Forwarded-Proto: https): Secure, and HSTS.
    _, tls, _ = post_login(srv, "chief", srv.sample.password, "10.8.0.2")
    https = requests.Session()
    https.headers.update({"X-Real-Ip": "10.8.0.3", "X-Forwarded-Proto": "https"})
    page = https.get(srv.base + "/login", timeout=10)
    assert "Secure" in page.headers["Set-Cookie"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    # The page's Bokeh session token does not carry the session id (a script could read it).
    sid = http.cookies["alpr_session"]
    html = http.get(srv.base + "/", timeout=60).text
    for token in re.findall(r'"token":\s*"([^"]+)"', html):
        raw = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        payload = json.dumps(raw)
        if "__bk__zlib_" in raw:
            payload += zlib.decompress(base64.urlsafe_b64decode(
                raw["__bk__zlib_"] + "==")).decode()
        assert sid not in payload and "alpr_session" not in payload
    assert sid not in html


def test_sign_in_without_the_form_token_is_refused(srv):
    data = {"username": "chief", "password": srv.sample.password}
    for extra, cookies in (({}, {}), ({"csrf": "forged"}, {}),
                           ({"csrf": "forged"}, {"alpr_form": "other"})):
        resp = requests.post(srv.base + "/login", data={**data, **extra}, cookies=cookies,
                             headers={"X-Real-Ip": "10.9.0.1"}, allow_redirects=False,
                             timeout=10)
        assert resp.status_code == 403 and "alpr_session" not in resp.headers.get(
            "Set-Cookie", "")
        assert "did not come from this server" in resp.text


def test_every_failure_has_one_message_and_one_timing(srv):
    with srv.gov.Session.begin() as s:
        s.execute(update(User).where(User.username == "data1").values(locked=True))
    cases = {"unknown user": ("nobody-here", "some password"),
             "wrong password": ("chief", "not the password"),
             "right password, operator": ("ofc1", srv.sample.password),
             "right password, lapsed": ("retired", srv.sample.password),
             "right password, locked": ("data1", srv.sample.password)}
    timings: dict[str, list[float]] = {k: [] for k in cases}
    for round_ in range(2):
        for i, (case, (user, password)) in enumerate(cases.items()):
            http, resp, took = post_login(srv, user, password, f"10.10.{round_}.{i}")
            assert resp.status_code == 302, case
            assert resp.headers["Location"].startswith("/login?error=failed"), case
            page = http.get(srv.base + resp.headers["Location"], timeout=10)
            assert re.search(r'id="error"[^>]*>([^<]*)<', page.text).group(1) == BAD_LOGIN
            timings[case].append(took)
    medians = {k: statistics.median(v) for k, v in timings.items()}
    assert min(medians.values()) >= 1.0, medians  # every failure waits out the same floor
    assert max(medians.values()) - min(medians.values()) < 0.35, medians
    with srv.gov.Session.begin() as s:
        s.execute(update(User).where(User.username == "data1").values(locked=False))


def test_anonymous_failures_are_bounded_in_the_audit(srv):
    first = last_audit_id(srv)
    names = ["x" * 2000] * 100 + [f"guess{i}" for i in range(100)]

    def attempt(name):
        return post_login(srv, name, "whatever password", "10.200.0.1")[1].status_code

    with ThreadPoolExecutor(20) as pool:
        assert set(pool.map(attempt, names)) == {302}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = audit_since(srv, first)
        checked = [r for r in rows if r[1] == "login" and r[0].startswith("guess")]
        refused = [r for r in rows if r[1] == "login.refused" and r[2] == "10.200.0.1"]
        if len(checked) + sum(r[4]["attempts"] for r in refused) == 200:
            break
        time.sleep(0.3)
    assert len(checked) + sum(r[4]["attempts"] for r in refused) == 200  # all recorded
    assert len(checked) <= 25  # the address's back-off stops the rest before the store
    assert len(rows) <= 40, len(rows)  # not 200 rows
    assert max(len(r[0]) for r in rows) <= 64 and max(len(r[2]) for r in rows) <= 64
    for r in refused:
        assert len(r[4]["names"]) <= 5 and all(len(n) <= 64 for n in r[4]["names"])
    reasons = {k for r in refused for k in r[4]["reasons"]}
    assert any("over 64 characters" in k for k in reasons)
