"""The back-office HTTP API against a running web service, on SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

from bot.settings import PROJECT_ROOT
from bot.storage.seed import DemoOrder, add_demo_order
from bot.tickets.store import NewTicket, TicketStore
from tests.conftest import NOW, website

REVIEWER, AGENT = "dev-token-r1", "dev-token-a1"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"backoffice-{request.param}")
    with website(request.param, workdir, {"REFUND_LOGIN_FAILURES_PER_ACCOUNT": "3"}) as running:
        yield running


@pytest.fixture(scope="module")
def twin(site, tmp_path_factory) -> Iterator[str]:
    """A second instance of the website on the same database, as in production (deploy/)."""
    from harness.servers import free_port, wait_for

    _, sessions = site
    port, log = free_port(), tmp_path_factory.mktemp("twin") / "web.log"
    env = {**os.environ, "REFUND_DB_URL": sessions.kw["bind"].url.render_as_string(hide_password=False),
           "REFUND_WEB_PORT": str(port), "PYTHONPATH": str(PROJECT_ROOT), "REFUND_UPLOAD_DIR": str(log.parent)}
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def ticket_id(site):
    """A freshly filed ticket (each test gets its own order-less ticket on a new order id)."""
    _, sessions = site
    order_id = f"{uuid.uuid4().int % 10**16:016d}"
    with sessions.begin() as db:  # billing knows the order: approvals are checked against its ledger
        add_demo_order(db, DemoOrder("api", order_id, "c1001", f"ins-{uuid.uuid4().hex[:8]}", "ecs",
                                     "云服务器 ECS（2核4G）", 30, 12, Decimal("1200")), NOW)
    quote = {"rule": "standard", "refund": "1000.00", "paid": "1200.00", "destination": "original_route",
             "review_due": "2026-11-30"}
    ticket, _ = TicketStore(sessions).file(NewTicket("c1001", order_id, "ecs", "demand_change", quote, {}), NOW)
    return ticket.ticket_id


def call(site, method: str, path: str, token: Optional[str] = REVIEWER, body: Any = None,
         raw: Optional[bytes] = None, key: Optional[str] = None) -> Tuple[int, Dict[str, Any]]:
    base, _ = site
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def act(site, ticket_id, action, body=None, **kw):
    return call(site, "POST", f"/api/backoffice/tickets/{ticket_id}/{action}", body=body or {}, **kw)


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_authentication_required(site, ticket_id, token):
    assert call(site, "GET", "/api/backoffice/tickets", token=token)[0] == 401
    assert act(site, ticket_id, "take", token=token)[0] == 401


def test_agent_without_reviewer_role_cannot_read_or_act(site, ticket_id):
    assert call(site, "GET", f"/api/backoffice/tickets/{ticket_id}", token=AGENT)[0] == 403
    assert call(site, "GET", "/api/backoffice/tickets", token=AGENT)[0] == 403
    status, body = act(site, ticket_id, "take", token=AGENT)
    assert status == 403 and "审核员" in body["error"]
    assert call(site, "GET", f"/api/backoffice/tickets/{ticket_id}")[1]["status"] == "submitted"


def test_full_review_path(site, ticket_id):
    assert act(site, ticket_id, "take")[1]["status"] == "under_review"
    status, body = act(site, ticket_id, "request-info", {"missing": ["故障截图"], "note": "请补充"})
    assert status == 200 and body["status"] == "needs_info" and body["info_requested"] == ["故障截图"]


def test_approve_pay_and_audit(site, ticket_id):
    act(site, ticket_id, "take")
    status, body = act(site, ticket_id, "approve", {"amount": "900.00", "reason": "扣除已用流量"})
    assert status == 200 and body["final_amount"] == "900.00"
    assert act(site, ticket_id, "start-payout")[1]["status"] == "refunding"
    status, body = act(site, ticket_id, "mark-paid", {"payout_reference": "PAY-123"})
    assert body["status"] == "refunded" and body["payout_reference"] == "PAY-123"
    assert [e["to"] for e in body["events"]] == ["submitted", "under_review", "approved", "refunding", "refunded"]
    assert all(e["actor"] == "reviewer:r1" for e in body["events"][1:])


def test_reject_and_close_appeal(site, ticket_id):
    act(site, ticket_id, "take")
    status, body = act(site, ticket_id, "reject", {"reason_code": "insufficient_evidence", "note": "无故障记录"})
    assert status == 200 and body["status"] == "rejected"
    status, body = act(site, ticket_id, "close-appeal", {"decision": "approve"})
    assert status == 409  # nobody appealed


@pytest.mark.parametrize("action, body, status, fragment", [
    ("approve", {"amount": 900.5}, 422, "金额请写成文字形式的元数"),
    ("approve", {"amount": "abc"}, 422, "金额格式不正确"),
    ("approve", {"amount": "800.00"}, 422, "请填写调整原因"),
    ("reject", {"reason_code": "because"}, 422, "请选择驳回原因"),
    ("request-info", {"missing": "截图"}, 422, "应为文字列表"),
    ("mark-paid", {}, 422, "请填写打款流水号"),
    ("start-payout", {}, 409, "工单当前为「审核中」，不能执行「发起打款」"),
    ("teleport", {}, 404, "没有「teleport」这个操作"),
])
def test_bad_input_is_a_clear_4xx_and_changes_nothing(site, ticket_id, action, body, status, fragment):
    act(site, ticket_id, "take")
    got_status, got = act(site, ticket_id, action, body)
    assert got_status == status and fragment in got["error"]
    detail = call(site, "GET", f"/api/backoffice/tickets/{ticket_id}")[1]
    assert detail["status"] == "under_review" and len(detail["events"]) == 2


def test_malformed_json(site, ticket_id):
    assert act(site, ticket_id, "take", raw=b"{not json")[0] == 400
    assert act(site, ticket_id, "take", raw=b"[1, 2]")[0] == 400
    assert call(site, "GET", "/api/backoffice/tickets?status=bogus")[0] == 400


def test_unknown_ticket(site):
    assert act(site, "RF209901010001", "take")[0] == 404
    assert call(site, "GET", "/api/backoffice/tickets/RF209901010001")[0] == 404


def test_idempotency_key_replays_the_first_answer(site, ticket_id):
    first = act(site, ticket_id, "take", key="take-once")
    second = act(site, ticket_id, "take", key="take-once")
    assert first == second and first[0] == 200
    detail = call(site, "GET", f"/api/backoffice/tickets/{ticket_id}")[1]
    assert [e["to"] for e in detail["events"]] == ["submitted", "under_review"]
    assert act(site, ticket_id, "approve", {"amount": "1.00", "reason": "x"}, key="take-once")[0] == 422


def test_list_filters_by_status(site, ticket_id):
    status, body = call(site, "GET", "/api/backoffice/tickets?status=submitted")
    assert status == 200 and ticket_id in [t["ticket_id"] for t in body["tickets"]]
    assert all(t["status"] == "submitted" for t in body["tickets"])


def test_login_attempts_are_rate_limited(site):
    import http.cookiejar
    import re
    import urllib.parse

    base, _ = site
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    codes = []
    for _ in range(4):
        form = urllib.parse.urlencode({"csrf": csrf, "customer_id": "c1001", "password": "wrong"}).encode()
        try:
            opener.open(f"{base}/login", data=form)
        except urllib.error.HTTPError as exc:
            codes.append((exc.code, exc.read().decode()))
    assert [c for c, _ in codes] == [401, 401, 401, 429]
    assert "失败次数过多" in codes[-1][1]


def test_liveness_and_readiness(site):
    base, _ = site
    for path in ("/health", "/ready"):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            assert response.status == 200


def test_simultaneous_copies_of_one_request_all_get_the_first_answer(site, twin, ticket_id):
    """Four copies of one approval sent at once to both instances: the ticket is approved once
    and every copy, and any later retry, answers 200 (a copy that lost the race used to store
    its 409, which later retries replayed)."""
    from concurrent.futures import ThreadPoolExecutor

    assert act(site, ticket_id, "take")[0] == 200
    path = f"/api/backoffice/tickets/{ticket_id}/approve"

    def send(base):
        return call((base, None), "POST", path, body={}, key="approve-once")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, [site[0], twin] * 2))
    assert [status for status, _ in answers] == [200] * 4, answers
    assert send(twin)[0] == send(site[0])[0] == 200
    detail = call(site, "GET", f"/api/backoffice/tickets/{ticket_id}")[1]
    assert [e["to"] for e in detail["events"]].count("approved") == 1
