"""Cookie, CSRF and header helpers shared by the website and the agent console."""
from __future__ import annotations

import hmac
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


def csrf_matches(sent: Optional[str], expected: Optional[str]) -> bool:
    """Double-submit check: the token in the form/header equals the one in the cookie."""
    return bool(expected) and hmac.compare_digest(sent or "", expected or "")
