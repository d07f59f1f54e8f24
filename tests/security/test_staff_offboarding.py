"""Offboarding a staff member ends everything at once: console logins, every API token and an
open live stream stop working, through the running website (on SQLite and PostgreSQL), and
nothing they did is deleted. API tokens are several per person, named, hashed, listed with
when they were made, last used and expire, and revocable one by one."""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from typing import List, Optional, Tuple

import pytest
from sqlalchemy import select

from bot.backoffice.staff import StaffDirectory, StaffError
from bot.clock import utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.storage.schema import StaffRow, StaffTokenRow, TicketEventRow
from bot.tickets.store import NewTicket, TicketStore
from harness.servers import write_support
from tests.conftest import NOW, website
from tests.security.test_authorization_matrix import Visitor

PASSWORD = "a-long-secret-pw"
STREAM_NOTICE_SECONDS = 12  # the stream re-checks every 5 s (LOGIN_RECHECK) and sleeps 1 s between rounds


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    with website(request.param, tmp_path_factory.mktemp(f"offboarding-{request.param}"), {}) as running:
        yield running


def new_ticket(sessions) -> str:
    order_id = f"{uuid.uuid4().int % 10**16:016d}"
    quote = {"rule": "standard", "refund": "1000.00", "paid": "1200.00", "destination": "original_route",
             "review_due": "2026-11-30"}
    ticket, _ = TicketStore(sessions).file(NewTicket("c1001", order_id, "ecs", "demand_change", quote, {}), NOW)
    return ticket.ticket_id


def api(base: str, token: str, method: str = "GET", path: str = "/api/backoffice/tickets",
        body: Optional[dict] = None) -> int:
    request = urllib.request.Request(base + path, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def new_reviewer(site, staff_cli, *tokens: str) -> Tuple[str, List[str]]:
    """A reviewer made with the staff command, with API tokens of these names."""
    _, sessions = site
    staff_id = f"r-{uuid.uuid4().hex[:6]}"
    code, out = staff_cli(sessions, "add", staff_id, "--name", "审核员 小周", "--roles", "reviewer", "--password-stdin",
                          stdin=PASSWORD + "\n")
    assert code == 0, out
    made = []
    for name in tokens:
        code, out = staff_cli(sessions, "token", "add", staff_id, "--name", name)
        assert code == 0, out
        made.append(out.split("shown once): ")[1].strip())
    return staff_id, made


class Stream(threading.Thread):
    """A console page's live stream, read line by line with the time each line came."""

    def __init__(self, visitor: Visitor) -> None:
        super().__init__(daemon=True)
        self.visitor, self.lines = visitor, []  # type: ignore[var-annotated]
        self.ended_at: Optional[float] = None

    def run(self) -> None:
        request = urllib.request.Request(self.visitor.site_url + "/console/api/stream")
        with self.visitor.opener.open(request, timeout=60) as response:
            while line := response.readline():
                self.lines.append((time.monotonic(), line.decode("utf-8")))
        self.ended_at = time.monotonic()


def test_disabling_a_reviewer_ends_console_api_tokens_and_stream_at_once(site, staff_cli):
    base, sessions = site
    staff_id, (laptop, ci) = new_reviewer(site, staff_cli, "laptop", "ci")
    ticket_id = new_ticket(sessions)
    assert api(base, laptop, "POST", f"/api/backoffice/tickets/{ticket_id}/take", {}) == 200
    assert api(base, ci) == 200
    console = Visitor(base, "guest")
    console.login("/console/login", {"staff_id": staff_id, "password": PASSWORD}, "/console")
    assert console.request("GET", "/console/tickets")[0] == 200
    stream = Stream(console)
    stream.start()
    deadline = time.monotonic() + 10
    while not stream.lines and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stream.lines, "the live stream did not open"

    code, out = staff_cli(sessions, "disable", staff_id)
    disabled_at = time.monotonic()
    assert code == 0 and "1 console login(s) ended, 2 API token(s) revoked" in out, out

    for token in (laptop, ci):
        assert api(base, token) == 401
        assert api(base, token, "POST", f"/api/backoffice/tickets/{ticket_id}/approve", {}) == 401
    status, _, headers = console.request("GET", "/console/tickets")
    assert status == 302 and headers["Location"] == "/console/login"
    assert console.request("POST", f"/console/api/tickets/{ticket_id}/approve", body={})[0] == 401
    stream.join(timeout=STREAM_NOTICE_SECONDS)
    assert stream.ended_at is not None and stream.ended_at - disabled_at < STREAM_NOTICE_SECONDS
    assert any("event: expired" in line for _, line in stream.lines)
    again = Visitor(base, "guest")
    again.request("GET", "/console/login")
    status, page, _ = again.request("POST", "/console/login", form={"staff_id": staff_id, "password": PASSWORD,
                                                                   "csrf": again.csrf("/console")})
    assert status == 401 and "工号或密码不正确" in page

    with sessions() as db:  # nothing they did is gone
        assert db.get(StaffRow, staff_id).disabled_at is not None
        events = list(db.scalars(select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id)))
        assert [(e.actor, e.to_status) for e in events][-1] == (f"reviewer:{staff_id}", "under_review")


def test_tokens_are_named_listed_expiring_and_revocable(site, staff_cli):
    base, sessions = site
    staff_id, (laptop, ci) = new_reviewer(site, staff_cli, "laptop", "ci")
    assert api(base, ci) == 200
    code, listing = staff_cli(sessions, "token", "list", staff_id)
    assert code == 0
    rows = {line.split("\t")[2]: line.split("\t") for line in listing.splitlines()[1:]}
    assert set(rows) == {"laptop", "ci"}
    assert rows["ci"][4] != "-" and rows["laptop"][4] == "-"  # last used
    assert rows["ci"][6] == rows["laptop"][6] == "live" and rows["ci"][5] != "never"

    assert staff_cli(sessions, "token", "revoke", rows["laptop"][0])[0] == 0
    assert api(base, laptop) == 401 and api(base, ci) == 200

    long_ago = StaffDirectory(sessions, clock=lambda: utcnow() - timedelta(days=31))
    _, old = long_ago.issue_token(staff_id, "old", days=30)
    assert api(base, old) == 401
    states = {line.split("\t")[2]: line.split("\t")[6] for line in staff_cli(sessions, "token", "list")[1].splitlines()
              if staff_id in line}
    assert states == {"laptop": "revoked", "ci": "live", "old": "expired"}
    with sessions() as db:
        stored = list(db.scalars(select(StaffTokenRow.token_hash).where(StaffTokenRow.staff_id == staff_id)))
    assert len(stored) == 3 and not {laptop, ci, old} & set(stored)
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in stored)


@pytest.mark.parametrize("argv,message", [
    (("token", "add", "r1", "--name", "x", "--days", "0"), "1-365 days"),
    (("token", "add", "r1", "--name", "x", "--days", "400"), "1-365 days"),
    (("token", "add", "r1", "--name", "演示令牌"), "already has a live token"),
    (("token", "add", "nobody", "--name", "x"), "no staff account"),
    (("token", "revoke", "999999"), "no API token"),
    (("grant", "o1", "everything"), "grants must be"),
    (("disable", "nobody"), "no staff account"),
])
def test_token_and_offboarding_mistakes_are_refused_with_a_reason(seeded, staff_cli, argv, message):
    code, out = staff_cli(seeded, *argv)
    assert code == 2 and message in out


def test_offboarding_keeps_history_and_returns_held_chats_to_the_queue(seeded, staff_cli, tmp_path):
    """The old `remove` refused anyone who had handled a chat; now nothing is deleted, their
    conversations go back to the queue, and their id can never be given to someone else."""
    write_support(tmp_path / "support.yml")
    write = HandoffService(seeded, SupportSettings(tmp_path / "support.yml"))
    held = write.request("offboard-1", "c1001", "requested", None, {})
    assert write.claim(held.handoff.id, "a1")
    write.add_note(held.handoff.id, "a1", "客户要求退款")
    login = LoginSessions(seeded).start(LoginKind.STAFF, "a1", timedelta(hours=1))

    code, out = staff_cli(seeded, "remove", "a1")
    assert code == 0 and f"1 conversation(s) returned to the queue [{held.handoff.id}]" in out, out
    assert not LoginSessions(seeded).is_live(login, LoginKind.STAFF, "a1")
    after = write.get(held.handoff.id)
    assert after.status == "waiting" and after.agent_id is None and after.notes[0]["agent_id"] == "a1"
    directory = StaffDirectory(seeded)
    assert directory.get("a1") is None and directory.by_password("a1", "staff123") is None
    assert directory.by_token("dev-token-a1") is None
    with pytest.raises(StaffError, match="never reused"):
        directory.create("a1", "新客服", ["agent"], PASSWORD)
    listing = staff_cli(seeded, "list")[1]
    assert re.search(r"^a1\t.*\tdisabled ", listing, re.M), listing

    assert staff_cli(seeded, "enable", "a1", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    assert directory.by_password("a1", PASSWORD) is not None and directory.by_password("a1", "staff123") is None
    assert directory.by_token("dev-token-a1") is None  # tokens stay revoked: issue new ones


def test_the_operators_transcripts_grant_is_given_and_taken_back(seeded, staff_cli):
    directory = StaffDirectory(seeded)
    assert not directory.get("o1").reads_conversations
    assert staff_cli(seeded, "grant", "o1", "transcripts")[0] == 0
    assert directory.get("o1").reads_conversations
    assert staff_cli(seeded, "revoke-grant", "o1", "transcripts")[0] == 0
    assert not directory.get("o1").reads_conversations
    assert all(directory.get(staff_id).reads_conversations for staff_id in ("a1", "r1", "m1"))
