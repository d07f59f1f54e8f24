"""Cookie, CSRF and header helpers shared by the website and the agent console."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

from sanic import response

SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def set_cookie(resp: response.HTTPResponse, key: str, value: str, *, secure: bool, samesite: str, path: str,
               max_age: Optional[int] = None) -> None:
    """An HttpOnly cookie (Secure when the site is served over https)."""
    resp.cookies[key] = value
    resp.cookies[key]["httponly"] = True
    resp.cookies[key]["samesite"] = samesite
    resp.cookies[key]["path"] = path
    if secure:
        resp.cookies[key]["secure"] = True
    if max_age is not None:
        resp.cookies[key]["max-age"] = max_age


# Pages that show a customer's or staff member's data must not be kept by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def new_csrf_nonce() -> str:
    """A random value for the CSRF cookie; the token itself is derived from it and the login."""
    return secrets.token_urlsafe(24)


def csrf_token(secret: str, nonce: Optional[str], login_id: Optional[str]) -> str:
    """The CSRF token for this browser (its nonce cookie) and its login (None: logged out).
    It is an HMAC under the server secret, so a cookie planted by another site or subdomain
    cannot be paired with a token of the attacker's choosing, and a token stops working when
    the login changes (logout, another account)."""
    message = f"csrf\n{nonce or ''}\n{login_id or ''}".encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def csrf_valid(secret: str, sent: Optional[str], nonce: Optional[str], login_id: Optional[str]) -> bool:
    """True when `sent` is the token of this nonce and login."""
    return bool(nonce) and bool(sent) and hmac.compare_digest(sent or "", csrf_token(secret, nonce, login_id))
