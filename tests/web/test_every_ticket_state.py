"""Every console page opens for a ticket in every state, and so does a conversation linked to it,
through the running website, for an agent who is also a reviewer and for a reviewer alone. On
main a ticket waiting for the customer (待补充材料) answered 500 on its page, and the linked
conversation's data call answered 500 to anyone holding the reviewer role."""
from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Callable, Dict

import pytest

from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.settings import load_settings
from bot.storage.seed import DemoOrder, add_demo_order
from bot.tickets.labels import STATUS_LABELS
from bot.tickets.lifecycle import MOVES
from bot.tickets.store import NewTicket, TicketStore
from bot.tickets.workflow import TicketWorkflow
from bot.vocabulary import Actor, TicketStatus
from bot.web.review_pages import FORM_ACTIONS
from bot.wiring import build_services
from harness.servers import write_support
from tests.conftest import NOW, website
from tests.security.test_operator_exposure import console_as

REVIEWER = "a2"  # an agent who is also a reviewer


def file_ticket(sessions, refund: str = "1000.00", paid: str = "1200.00") -> str:
    """A ticket on a new order of c1001's in billing (the ledger checks approvals against it)."""
    order_id = f"{uuid.uuid4().int % 10**16:016d}"
    with sessions.begin() as session:
        add_demo_order(session, DemoOrder("every_state", order_id, "c1001", None, "ecs", "云服务器 ECS（8核16G）",
                                          10, 12, Decimal(paid)), NOW)
    quote = {"rule": "standard", "refund": refund, "paid": paid, "destination": "original_route",
             "review_due": "2026-11-30", "lines": [{"label": "实付金额", "amount": paid}]}
    ticket, _ = TicketStore(sessions).file(NewTicket("c1001", order_id, "ecs", "demand_change", quote, {}), NOW)
    return ticket.ticket_id


# How a ticket reaches each state, by the steps the people involved take.
Step = Callable[[TicketWorkflow, str], object]
TAKE: Step = lambda wf, t: wf.take(t, REVIEWER)  # noqa: E731
APPROVE: Step = lambda wf, t: wf.approve(t, REVIEWER)  # noqa: E731
REJECT: Step = lambda wf, t: wf.reject(t, REVIEWER, "outside_policy", "")  # noqa: E731
APPEAL: Step = lambda wf, t: wf.appeal("c1001", t, "我不同意，服务确实有问题")  # noqa: E731
PATHS: Dict[TicketStatus, tuple] = {
    TicketStatus.SUBMITTED: (),
    TicketStatus.UNDER_REVIEW: (TAKE,),
    TicketStatus.NEEDS_INFO: (TAKE, lambda wf, t: wf.request_info(t, REVIEWER, ["支付凭证"], "请补充")),
    TicketStatus.MANAGER_REVIEW: (TAKE, APPROVE),  # above the approval limit (ABOVE_LIMIT)
    TicketStatus.APPROVED: (TAKE, APPROVE),
    TicketStatus.REFUNDING: (TAKE, APPROVE, lambda wf, t: wf.start_payout(t, REVIEWER)),
    TicketStatus.REFUNDED: (TAKE, APPROVE, lambda wf, t: wf.start_payout(t, REVIEWER),
                            lambda wf, t: wf.mark_paid(t, REVIEWER, "PAY-1")),
    TicketStatus.REJECTED: (TAKE, REJECT),
    TicketStatus.APPEALED: (TAKE, REJECT, APPEAL),
    TicketStatus.FINAL_REJECTED: (TAKE, REJECT, APPEAL, lambda wf, t: wf.close_appeal(t, REVIEWER, "reject",
                                                                                        None, "维持原结论")),
    TicketStatus.WITHDRAWN: (lambda wf, t: wf.withdraw("c1001", t),),
}
ABOVE_LIMIT = {TicketStatus.MANAGER_REVIEW: ("60000.00", "60000.00")}  # (refund, paid): a manager approves too


def test_every_state_has_a_way_in():
    assert set(PATHS) == set(TicketStatus)


def test_every_reviewer_step_of_the_lifecycle_has_a_form():
    """Each action the lifecycle lets a reviewer take is one the pages can offer (a missing
    one was the KeyError behind the 500s)."""
    reviewer_steps = {action for action, move in MOVES.items() if Actor.REVIEWER in move.roles}
    assert reviewer_steps <= set(FORM_ACTIONS)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("every-state")
    with website("sqlite", workdir, {}) as (url, sessions):
        write_support(workdir / "support.yml")
        workflow = build_services(load_settings(), sessions).workflow
        handoffs = HandoffService(sessions, SupportSettings(workdir / "support.yml"))
        made = {}
        for status, steps in PATHS.items():
            ticket_id = file_ticket(sessions, *ABOVE_LIMIT.get(status, ()))
            for step in steps:
                step(workflow, ticket_id)
            assert workflow.get(ticket_id).status == status
            queued = handoffs.request(f"conv-{status.value}", "c1001", "requested", ticket_id,
                                      {"customer_said": ["工单怎么样了"]})
            made[status] = (ticket_id, queued.handoff.id)
        yield url, made


def first_event(visitor, path: str) -> str:
    status, text, headers = visitor.request("GET", path)
    assert status == 200 and headers.get_content_type() == "text/event-stream", path
    return text


@pytest.mark.parametrize("staff_id", [REVIEWER, "r1"])
def test_every_page_opens_for_a_ticket_in_every_state(site, staff_id):
    url, made = site
    visitor, _ = console_as(url, staff_id)
    for status, (ticket_id, handoff_id) in made.items():
        label = STATUS_LABELS[status]
        code, page, _ = visitor.request("GET", f"/console/tickets/{ticket_id}")
        assert code == 200 and label in page, (status, page[-600:])
        code, page, _ = visitor.request("GET", f"/console/tickets?status={status.value}")
        assert code == 200 and ticket_id in page, status
        code, page, _ = visitor.request("GET", f"/console/handoffs/{handoff_id}")
        assert code == 200, status
        code, body, _ = visitor.request("GET", f"/console/api/handoffs/{handoff_id}")
        assert code == 200, (status, body[:300])
        detail = json.loads(body)
        assert detail["ticket"]["status_label"] == label
        assert "Error" not in body
        first_event(visitor, f"/console/api/stream?handoff={handoff_id}")
    for path in ("/console", "/console/tickets", "/console/history"):
        assert visitor.request("GET", path)[0] == 200, path


def test_asking_for_information_then_opening_the_ticket_again(site):
    """The broken path itself: 「发送补充要求」, then the ticket and its conversation open, and the
    reviewer can put it back to review when the customer answered another way."""
    url, made = site
    visitor, _ = console_as(url, REVIEWER)
    ticket_id, handoff_id = made[TicketStatus.UNDER_REVIEW]
    assert visitor.request("GET", f"/console/tickets/{ticket_id}")[0] == 200  # the page's CSRF token
    code, _, headers = visitor.request("POST", f"/console/tickets/{ticket_id}/request-info", form={
        "missing": "支付凭证", "missing_other": "", "note": "请上传付款截图", "csrf": visitor.csrf("/console")})
    assert code in (302, 303), code
    assert f"prev={ticket_id}" in headers["Location"]  # a decision opens the next ticket of the queue
    code, page, _ = visitor.request("GET", f"/console/tickets/{ticket_id}")
    assert code == 200 and "待补充材料" in page and "材料已收齐，恢复审核" in page
    code, body, _ = visitor.request("GET", f"/console/api/handoffs/{handoff_id}")
    assert code == 200 and json.loads(body)["ticket_actions"] == ["resume-review"]
    code, _, headers = visitor.request("POST", f"/console/tickets/{ticket_id}/resume-review", form={
        "note": "客户邮件发来了付款截图", "csrf": visitor.csrf("/console")})
    assert code in (302, 303)
    code, page, _ = visitor.request("GET", headers["Location"])
    assert code == 200 and "审核中" in page and "确认材料已收齐，恢复审核" in page and "客户邮件发来了付款截图" in page
