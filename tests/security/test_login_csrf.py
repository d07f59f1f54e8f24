"""Login CSRF and session fixation from a sibling subdomain: a page on evil.example-cloud.cn can
plant cookies for the whole example-cloud.cn domain. It must not be able to log a customer or
staff member of support.example-cloud.cn into the attacker's account, neither by planting its
own CSRF nonce (with the token it got for it) nor by planting its own session cookie. Through
the running website configured for https."""
from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from typing import Dict, Optional, Tuple

import pytest

from tests.conftest import website
from tests.security.test_authorization_matrix import NoRedirect

SITE = "https://support.example-cloud.cn"
SIBLING = "https://evil.example-cloud.cn"
LOGINS = {"/login": ("customer_id", "c1002", "demo123", "/chat"),
          "/console/login": ("staff_id", "a2", "staff123", "/console")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with website("sqlite", tmp_path_factory.mktemp("login-csrf"), {"REFUND_SITE_URL": SITE}) as (url, _):
        yield url


def send(url: str, path: str, cookies: Dict[str, str], form: Optional[dict] = None,
         headers: Optional[Dict[str, str]] = None) -> Tuple[int, str, Message]:
    """One request with exactly these cookies (a cookie jar would not send Secure cookies to
    the plain-http test server)."""
    request = urllib.request.Request(url + path, data=urllib.parse.urlencode(form).encode() if form else None,
                                     headers={**(headers or {}),
                                              "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), exc.headers


def set_cookies(headers: Message) -> Dict[str, str]:
    return dict(re.match(r"([^=]+)=([^;]*)", c).groups() for c in headers.get_all("Set-Cookie") or [])


def attackers_pair(url: str, path: str) -> Tuple[str, str, str]:
    """What the attacker learns by opening the login page themselves: the nonce cookie's name
    and value and the token that goes with it."""
    _, page, headers = send(url, path, {})
    name, nonce = next((k, v) for k, v in set_cookies(headers).items() if k.endswith("csrf"))
    return name, nonce, re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def attackers_session(url: str, path: str) -> Tuple[str, str]:
    """The attacker logs in to their own account: the session cookie they could plant."""
    field, account, password, _ = LOGINS[path]
    name, nonce, token = attackers_pair(url, path)
    status, _, headers = send(url, path, {name: nonce}, {field: account, "password": password, "csrf": token},
                              {"Origin": SITE, "Sec-Fetch-Site": "same-origin"})
    assert status == 302
    return next((k, v) for k, v in set_cookies(headers).items() if k.endswith("session") and v)


@pytest.mark.parametrize("path", sorted(LOGINS))
@pytest.mark.parametrize("browser_says", [{"Origin": SIBLING, "Sec-Fetch-Site": "same-site"}, {}],
                         ids=["from-the-sibling-page", "headers-stripped"])
def test_a_planted_csrf_cookie_cannot_log_the_victim_into_the_attackers_account(site, path, browser_says):
    field, account, password, _ = LOGINS[path]
    name, nonce, token = attackers_pair(site, path)
    planted = {name.removeprefix("__Host-"): nonce}  # a sibling can set only a plain domain cookie
    status, _, headers = send(site, path, planted, {field: account, "password": password, "csrf": token}, browser_says)
    assert status != 302 and not any(k.endswith("session") and v for k, v in set_cookies(headers).items())


@pytest.mark.parametrize("path", sorted(LOGINS))
def test_a_planted_session_cookie_logs_nobody_in(site, path):
    name, value = attackers_session(site, path)
    landing = LOGINS[path][3]
    status, page, headers = send(site, landing, {name.removeprefix("__Host-"): value})
    if path == "/login":
        assert status == 200 and "李娜" not in page  # the chat page, as a guest
    else:
        assert status == 302 and headers["Location"] == "/console/login"


@pytest.mark.parametrize("path", sorted(LOGINS))
def test_the_real_login_form_still_works_and_its_cookies_are_host_only(site, path):
    field, account, password, landing = LOGINS[path]
    name, nonce, token = attackers_pair(site, path)  # here: the person's own visit
    assert name.startswith("__Host-")
    status, _, headers = send(site, path, {name: nonce}, {field: account, "password": password, "csrf": token},
                              {"Origin": SITE, "Sec-Fetch-Site": "same-origin"})
    assert status == 302 and headers["Location"] == landing
    for cookie in headers.get_all("Set-Cookie"):
        assert cookie.startswith("__Host-") and "Secure" in cookie and "Path=/;" in cookie + ";", cookie
        assert "Domain" not in cookie


def test_over_plain_http_a_post_from_another_origin_is_refused(tmp_path):
    """Development sites (http) cannot have __Host- cookies; the browser's Origin still tells."""
    with website("sqlite", tmp_path, {}) as (url, _):
        name, nonce, token = attackers_pair(url, "/login")
        form = {"customer_id": "c1002", "password": "demo123", "csrf": token}
        assert send(url, "/login", {name: nonce}, form, {"Origin": "http://evil.example"})[0] == 400
        assert send(url, "/login", {name: nonce}, form, {"Sec-Fetch-Site": "cross-site"})[0] == 400
        assert send(url, "/login", {name: nonce}, form, {"Origin": url, "Sec-Fetch-Site": "same-origin"})[0] == 302
