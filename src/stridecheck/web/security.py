"""Access token and CSRF protection of the dashboard.

- Access token: bound to 127.0.0.1 (or ``::1``/``localhost``) the dashboard is
  open to the local user; on any other host a random token is generated and
  printed, and every route checks it (``?token=`` once, which sets an
  HttpOnly cookie; or ``Authorization: Bearer <token>``).
- Host check: without a token only requests naming a loopback host
  (``Host: 127.0.0.1:8000``) are answered, so a web page whose name was made
  to resolve to 127.0.0.1 (DNS rebinding) cannot read the dashboard.
- CSRF: every response sets a random, HttpOnly, ``SameSite=Strict`` cookie;
  forms carry an HMAC of it under the app's secret, and every POST must
  present the cookie and a matching form field (double submit, signed), and,
  when the browser sends an ``Origin`` header, one naming this host.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "TOKEN_COOKIE",
    "csrf_form_value",
    "csrf_valid",
    "host_is_loopback",
    "is_loopback",
    "new_secret",
    "origin_matches",
    "token_valid",
]

#: Cookie holding the CSRF nonce.
CSRF_COOKIE = "stridecheck_csrf"
#: Form field carrying the signed CSRF value.
CSRF_FIELD = "csrf"
#: Cookie holding the access token after a ``?token=`` visit.
TOKEN_COOKIE = "stridecheck_token"


def new_secret() -> str:
    """A fresh random secret (URL-safe text, 256 bits)."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_is_loopback(host_header: str | None) -> bool:
    """True when a ``Host`` header names this machine (``127.0.0.1:8000``, ``[::1]:8000``,
    ``localhost``): a page served without a token answers only those (DNS rebinding)."""
    if not host_header:
        return False
    netloc = urlsplit(f"//{host_header}")
    try:
        name = netloc.hostname
    except ValueError:
        return False
    return name is not None and is_loopback(name)


def csrf_form_value(secret: str, nonce: str) -> str:
    """The form value matching a CSRF cookie nonce (HMAC-SHA256 under the app secret)."""
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: str, nonce: str | None, form_value: str | None) -> bool:
    """True when the form value is the HMAC of the cookie's nonce."""
    if not nonce or not form_value:
        return False
    return hmac.compare_digest(csrf_form_value(secret, nonce), form_value)


def token_valid(expected: str | None, given: str | None) -> bool:
    """True when no token is required or ``given`` equals it (constant time)."""
    if expected is None:
        return True
    if not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def origin_matches(origin: str | None, host: str | None) -> bool:
    """True when there is no ``Origin`` header or it names the request's host and port."""
    if origin is None:
        return True
    if not host or origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == host.lower()
