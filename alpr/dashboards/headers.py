"""Security headers on every response of the dashboards' server (pages, scripts, sign-in).

A Tornado output transform, so Bokeh's and Panel's own handlers get them too. The pages'
Content-Security-Policy allows only this server as a source; Bokeh and Panel need inline
scripts, inline styles and ``eval`` (their generated documents and callbacks), so those are
allowed on the pages, and same-origin ``blob:`` scripts (Panel's ES-module shim makes
them); nowhere else: the sign-in pages run no script at all.
"""

from __future__ import annotations

from typing import Any

from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.web import OutputTransform

PAGE_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; "
            "worker-src 'self' blob:; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# The sign-in and sign-out pages: a form and inline style, no script.
FORM_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000"


class SecurityHeaders(OutputTransform):
    """Adds :data:`HEADERS` (a handler's own value, e.g. the sign-in page's stricter CSP,
    wins), and HSTS on requests that came over HTTPS."""

    def __init__(self, request: HTTPServerRequest) -> None:
        super().__init__(request)
        self.https = request.protocol == "https"

    def transform_first_chunk(self, status_code: int, headers: HTTPHeaders, chunk: bytes,
                              finishing: bool) -> tuple[int, HTTPHeaders, bytes]:
        for name, value in HEADERS.items():
            if name not in headers:
                headers[name] = value
        if self.https and "Strict-Transport-Security" not in headers:
            headers["Strict-Transport-Security"] = HSTS
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return chunk


def server_options() -> dict[str, Any]:
    """Keyword arguments for ``panel.serve`` that install the transform."""
    return {"transforms": [SecurityHeaders]}
