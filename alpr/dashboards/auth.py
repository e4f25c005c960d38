"""Sign-in and sign-out for the dashboards against the records store's own users.

A Bokeh auth provider: every page, its websocket and its scripts need a live server-side
session (:mod:`alpr.dashboards.sessions`); the cookie holds only the session's random id.
``POST /login`` goes through :class:`alpr.dashboards.signin.SignIn` (throttle, store login,
``dashboards.login``); both forms carry a CSRF token; ``POST /logout`` ends the session.
The pages show only messages chosen by a code from :data:`MESSAGES`, never text from the
address, and send the user on only to a path on this server (:func:`safe_next`).
"""

from __future__ import annotations

import hmac
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from bokeh.server.auth_provider import AuthProvider
from tornado.web import RequestHandler

from alpr.dashboards.headers import FORM_CSP
from alpr.dashboards.sessions import SessionTable, WebSession
from alpr.dashboards.signin import BAD_LOGIN, SignIn
from alpr.governance import audit

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True)
SESSION_COOKIE = "alpr_session"
FORM_COOKIE = "alpr_form"  # the sign-in form's CSRF token (double submit)
LOGIN, LOGOUT = "/login", "/logout"
MESSAGES = {
    "failed": BAD_LOGIN,
    "form": "The sign-in form had expired or did not come from this server; please sign "
            "in again.",
    "signed-out": "You have signed out.",
}


def safe_next(url: str | None) -> str:
    """Where to go after signing in: a path on this server, else ``/``.

    >>> [safe_next(u) for u in ("/misreads?unit=North", "//evil.example", "/\\\\evil",
    ...                         "https://evil.example/", "misreads", None)]
    ['/misreads?unit=North', '/', '/', '/', '/', '/']
    """
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return "/"
    if any(c in url for c in "\\\r\n\t") or any(ord(c) < 32 for c in url):
        return "/"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith((LOGIN, LOGOUT)):
        return "/"
    return url


@dataclass(frozen=True)
class CookiePolicy:
    """``secure``: True or False, or None for "when the request came over HTTPS"."""

    secure: bool | None = None

    def options(self, handler: RequestHandler) -> dict[str, Any]:
        secure = self.secure if self.secure is not None else handler.request.protocol == "https"
        return {"httponly": True, "samesite": "Strict", "secure": secure, "path": "/"}


def session_of(handler: RequestHandler, sessions: SessionTable) -> tuple[str | None,
                                                                         WebSession | None]:
    sid = handler.get_cookie(SESSION_COOKIE)
    return sid, sessions.get(sid)


class _FormPage(RequestHandler):
    """Shared parts of the sign-in and sign-out pages (no script; never cached)."""

    sign_in: SignIn
    sessions: SessionTable
    cookie_policy: CookiePolicy

    def render_page(self, template: str, status: int = 200, **values: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Security-Policy", FORM_CSP)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(TEMPLATES.get_template(template).render(**values))


class StoreLoginHandler(_FormPage):
    """GET /login: the form (with a message chosen by ``?error=CODE``); POST: sign in."""

    def _form(self, code: str | None, next_url: str, status: int = 200) -> None:
        token = secrets.token_urlsafe(32)
        self.set_cookie(FORM_COOKIE, token, max_age=3600, **self.cookie_policy.options(self))
        self.render_page("login.html", status, login_endpoint=LOGIN, csrf=token,
                         next=next_url, errormessage=MESSAGES.get(code or "", ""))

    def get(self) -> None:
        self._form(self.get_argument("error", None), safe_next(self.get_argument("next", "/")))

    async def post(self) -> None:
        next_url = safe_next(self.get_argument("next", "/"))
        sent, expected = self.get_argument("csrf", ""), self.get_cookie(FORM_COOKIE) or ""
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            self._form("form", next_url, status=403)
            return
        address = self.request.remote_ip or "unknown"
        user = await self.sign_in.attempt(self.get_argument("username", ""),
                                          self.get_argument("password", ""), address)
        if user is None:
            self.redirect(f"{LOGIN}?error=failed&next={urllib.parse.quote(next_url, safe='')}")
            return
        self.sessions.end(self.get_cookie(SESSION_COOKIE))  # a fresh id for every sign-in
        sid, _ = self.sessions.start(user, address)
        self.set_cookie(SESSION_COOKIE, sid, **self.cookie_policy.options(self))
        self.clear_cookie(FORM_COOKIE, path="/")
        self.redirect(next_url)


class StoreLogoutHandler(_FormPage):
    """GET /logout: a sign-out button (POST with the session's token); POST: sign out."""

    def get(self) -> None:
        _, row = session_of(self, self.sessions)
        self.render_page("logout.html", username=row.username if row else None,
                         csrf=row.csrf if row else "", logout_endpoint=LOGOUT,
                         login_endpoint=LOGIN)

    def post(self) -> None:
        sid, row = session_of(self, self.sessions)
        if row is not None:
            if not hmac.compare_digest(self.get_argument("csrf", "").encode(),
                                       row.csrf.encode()):
                self.render_page("logout.html", 403, username=row.username, csrf=row.csrf,
                                 logout_endpoint=LOGOUT, login_endpoint=LOGIN,
                                 errormessage=MESSAGES["form"].replace("sign in", "sign out"))
                return
            self.sessions.end(sid)
            with self.sign_in.gov.Session.begin() as s:
                audit.append(s, row.username, "dashboards.logout", "dashboards")
        self.clear_cookie(SESSION_COOKIE, path="/")
        self.redirect(f"{LOGIN}?error=signed-out", status=303)


class StoreAuthProvider(AuthProvider):
    """Bokeh auth provider over the store's users and :class:`SessionTable`; requests without
    a live session are sent to ``/login`` (a websocket gets 403)."""

    def __init__(self, sign_in: SignIn, sessions: SessionTable,
                 cookies: CookiePolicy | None = None) -> None:
        self.sign_in, self.sessions = sign_in, sessions
        self.cookie_policy = cookies or CookiePolicy()
        super().__init__()

    @property
    def get_user(self) -> Any:
        def get_user(handler: RequestHandler) -> str | None:
            _, row = session_of(handler, self.sessions)
            return row.username if row else None
        return get_user

    @property
    def login_url(self) -> str:
        return LOGIN

    @property
    def logout_url(self) -> str:
        return LOGOUT

    def _bind(self, cls: type[_FormPage]) -> type[_FormPage]:
        return type(f"Bound{cls.__name__}", (cls,), {"sign_in": self.sign_in,
                    "sessions": self.sessions, "cookie_policy": self.cookie_policy})

    @property
    def login_handler(self) -> type[RequestHandler]:
        return self._bind(StoreLoginHandler)

    @property
    def logout_handler(self) -> type[RequestHandler]:
        return self._bind(StoreLogoutHandler)
