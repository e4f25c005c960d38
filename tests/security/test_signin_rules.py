"""The sign-in's rules without a server: back-off arithmetic, the throttle's keys with a
fake clock, same-origin redirects, server-side session expiry, the settings from the
environment, and the "bad address" message that never echoes the address."""

import pytest

from alpr.dashboards.app import bad_address
from alpr.dashboards.auth import safe_next
from alpr.dashboards.sessions import SessionTable
from alpr.dashboards.signin import SignInPolicy
from alpr.dashboards.throttle import Backoff, Throttle, ThrottlePolicy


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_backoff_doubles_after_the_free_failures_up_to_the_cap():
    b = Backoff(free=3, base=1.0, cap=60.0)
    # 0-2 failures: no wait; then 1, 2, 4, ... s; 3 + 6 = 9 failures would be 64 s -> 60.
    assert [b.wait(n) for n in (0, 2, 3, 4, 5, 9)] == [0.0, 0.0, 1.0, 2.0, 4.0, 60.0]


def test_throttle_slows_one_address_but_not_the_admin_elsewhere():
    clock = Clock()
    t = Throttle(ThrottlePolicy(), clock)
    for _ in range(3):  # three free failures for chief from the attacker's address
        assert t.admit("chief", "10.0.0.66").allowed
    refused = t.admit("chief", "10.0.0.66")
    assert not refused.allowed and refused.by == "pair" and refused.wait == 1.0
    assert t.admit("chief", "10.0.0.5").allowed  # the administrator's own address: in
    t.succeeded("chief", "10.0.0.5")
    clock.t += 1.0  # the back-off has run out: one more try, then 2 s
    assert t.admit("chief", "10.0.0.66").allowed
    assert t.admit("chief", "10.0.0.66").wait == 2.0


def test_one_address_trying_many_accounts_is_slowed():
    t = Throttle(ThrottlePolicy(), Clock())
    for i in range(10):
        assert t.admit(f"user{i}", "10.0.0.66").allowed
    refused = t.admit("user99", "10.0.0.66")
    assert (refused.allowed, refused.by) == (False, "address")


def test_many_addresses_on_one_account_slow_only_new_addresses():
    clock = Clock()
    t = Throttle(ThrottlePolicy(), clock)
    assert t.admit("chief", "10.0.0.5").allowed
    t.succeeded("chief", "10.0.0.5")  # chief's usual address
    for i in range(10):  # ten attackers, one failure each
        assert t.admit("chief", f"10.9.0.{i}").allowed
    refused = t.admit("chief", "10.8.0.1")
    assert (refused.allowed, refused.by) == (False, "account")
    assert t.admit("chief", "10.0.0.5").allowed  # the usual address is not held back
    t.succeeded("chief", "10.0.0.5")
    clock.t += 1.0
    assert t.admit("chief", "10.8.0.1").allowed  # nor a new one, once the back-off ran out


def test_a_success_only_takes_back_its_own_attempt():
    t = Throttle(ThrottlePolicy(), Clock())
    for i in range(9):
        t.admit(f"guess{i}", "10.0.0.66")
    # An attacker with one real account cannot reset the address count by signing in.
    t.admit("mallory", "10.0.0.66")
    t.succeeded("mallory", "10.0.0.66")
    assert t.admit("guess9", "10.0.0.66").allowed  # the 10th failure: still free
    assert not t.admit("guess10", "10.0.0.66").allowed


def test_throttle_memory_is_bounded():
    t = Throttle(ThrottlePolicy(max_keys=50), Clock())
    for i in range(500):
        t.admit(f"name{i}", f"10.1.{i // 250}.{i % 250}")
    assert len(t._counts) <= 50


@pytest.mark.parametrize("url, expected", [
    ("/misreads?unit=North", "/misreads?unit=North"),
    ("/", "/"),
    ("///elsewhere.example/", "/"),
    ("//elsewhere.example", "/"),
    ("/\\elsewhere.example", "/"),
    ("/\\/elsewhere.example", "/"),
    ("https://elsewhere.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("misreads", "/"),
    ("/%0d%0aSet-Cookie:%20x=1", "/%0d%0aSet-Cookie:%20x=1"),  # stays encoded: a path
    ("/\r\nSet-Cookie: x=1", "/"),
    ("/login?next=//elsewhere", "/"),
    ("/logout", "/"),
    ("", "/"),
    (None, "/"),
])
def test_safe_next_allows_only_paths_on_this_server(url, expected):
    assert safe_next(url) == expected


def test_sessions_end_at_sign_out_and_expiry():
    clock = Clock()
    table = SessionTable(lifetime=60.0, clock=clock)
    sid, row = table.start("chief", "10.0.0.5")
    other, _ = table.start("chief", "10.0.0.6")
    assert table.get(sid) == row and len(sid) >= 40 and sid not in table._rows
    assert table.end(sid) == row and table.get(sid) is None  # signed out: gone
    assert table.get("made-up") is None and table.get(None) is None
    clock.t += 60.0
    assert table.get(other) is None  # expired


def test_policy_from_the_environment():
    assert SignInPolicy.from_env({}) == SignInPolicy()
    p = SignInPolicy.from_env({"ALPR_SIGNIN_BACKOFF": "0.1,2", "ALPR_SIGNIN_AUDIT_WINDOW": "5"})
    assert p.throttle.pair == Backoff(3, 0.1, 2.0) and p.audit_window == 5.0
    with pytest.raises(ValueError, match="ALPR_SIGNIN_BACKOFF '1': must be BASE,CAP"):
        SignInPolicy.from_env({"ALPR_SIGNIN_BACKOFF": "1"})
    with pytest.raises(ValueError, match="need 0 < BASE <= CAP"):
        SignInPolicy.from_env({"ALPR_SIGNIN_BACKOFF": "5,1"})
    with pytest.raises(ValueError, match="ALPR_SIGNIN_AUDIT_WINDOW 'x': must be a positive"):
        SignInPolicy.from_env({"ALPR_SIGNIN_AUDIT_WINDOW": "x"})


def test_bad_address_names_the_filter_not_the_value():
    payload = "<img src=x onerror=alert(1)>"
    msg = bad_address(ValueError(f"camera {payload!r}: no such camera in the store"))
    assert msg == ("The address has a camera filter this page cannot use: it must be a "
                   "camera in the store.")
    assert bad_address(ValueError(f"{payload}: whatever")) == \
        "The address has a filter this page cannot use."
