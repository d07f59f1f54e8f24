"""The website's side of a mailed link: login first, then once, only for its customer, to the
prefilled form or the ticket page; staff read the whole e-mail behind a work item."""
import urllib.error
import urllib.request

import pytest

from bot.mail.links import APPLY, TICKET, MailLinks
from harness.servers import JWT_SECRET, site_session_cookie
from tests.conftest import website


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, cookie: str = ""):
    """(status, Location or body) without following redirects."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location") or error.read().decode("utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("mail-links")
    with website("sqlite", workdir, {"REFUND_JWT_SECRET": JWT_SECRET, "REFUND_MAIL_DIR": str(workdir / "mail")}) as running:
        yield (*running, workdir / "mail")


def test_a_link_needs_the_login_then_opens_once(site):
    url, sessions, _ = site
    link = MailLinks(sessions, JWT_SECRET, url).issue("c1001", APPLY, prefill={"order_id": "2026112400010001"})
    path = link[len(url):]
    status, where = get(link)
    assert status == 302 and where == f"/login?next={path}"
    status, where = get(link, site_session_cookie(sessions, "c1002"))
    assert status == 403 and "另一个账户" in where
    status, where = get(link, site_session_cookie(sessions, "c1001"))
    assert status == 302 and where.startswith("/refunds/apply?order_id=2026112400010001&mail=")
    status, body = get(link, site_session_cookie(sessions, "c1001"))
    assert status == 403 and "已经使用过" in body


def test_a_ticket_link_and_a_forged_one(site):
    url, sessions, _ = site
    link = MailLinks(sessions, JWT_SECRET, url).issue("c1001", TICKET, ticket_id="RF202611050001")
    cookie = site_session_cookie(sessions, "c1001")
    assert get(link, cookie) == (302, "/refunds/RF202611050001")
    status, body = get(f"{url}/mail/link/not-a-token", cookie)
    assert status == 403 and "链接无效" in body
    status, body = get(f"{url}/mail/link/{'x' * 5000}", cookie)
    assert status in (403, 414) and "Traceback" not in body


def staff_cookie(sessions, staff_id: str) -> str:
    from bot.security.login_sessions import LoginKind, LoginSessions
    from bot.security.tokens import CONSOLE_TTL, issue_console_token

    login = LoginSessions(sessions).start(LoginKind.STAFF, staff_id, CONSOLE_TTL)
    return f"console_session={issue_console_token(JWT_SECRET, staff_id, login)}"


def test_staff_read_the_whole_mail_and_download_the_original(site):
    from bot.mail.store import MailStore

    url, sessions, mail_dir = site
    store = MailStore(sessions, mail_dir)
    raw = "From: a@example.org\r\nSubject: 投诉\r\n\r\n<script>alert(1)</script>我要投诉\r\n".encode("utf-8")
    mail_id = store.record(envelope_from="a@example.org", from_address="a@example.org", subject="投诉", size=len(raw),
                           sha256=store.keep_raw(raw), text="<script>alert(1)</script>我要投诉", outcome="work_item",
                           auth_passed=True)
    status, page = get(f"{url}/console/mail/{mail_id}", staff_cookie(sessions, "a1"))
    assert status == 200 and "我要投诉" in page and "<script>alert(1)" not in page
    assert "仅供参考" in page and "可以伪造" in page
    status, original = get(f"{url}/console/mail/{mail_id}/raw", staff_cookie(sessions, "a1"))
    assert status == 200 and "我要投诉" in original
    assert get(f"{url}/console/mail/{mail_id}", staff_cookie(sessions, "o1"))[0] == 403  # an operator without the grant
    assert get(f"{url}/console/mail/{mail_id}")[0] == 302
    assert get(f"{url}/console/mail/999999", staff_cookie(sessions, "a1"))[0] == 404
