"""The reviewers' workspace in the console: the ticket queue with filters, and one ticket with
its quote lines, the customer's statements and evidence, the timeline, and forms for exactly
the actions its state allows. Plain HTML forms: it works without scripts and with a keyboard."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice.api import run_action
from bot.backoffice.staff import Staff
from bot.clock import format_customer_date, format_customer_time
from bot.tickets.labels import (
    ACTION_LABELS,
    ACTOR_LABELS,
    COMMON_INFO_REQUESTS,
    EVIDENCE_LABELS,
    REASON_LABELS,
    REJECTION_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
)
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.queue import SORTS, TicketFilter, was_escalated
from bot.vocabulary import Actor, Role, TicketKind
from bot.web.staff_auth import StaffAuth
from bot.wiring import Services

# Lifecycle actions → the back office's action names (one form closes an appeal either way).
FORM_ACTIONS = {"take": "take", "request_info": "request-info", "supplement": "resume-review", "approve": "approve",
                "reject": "reject",
                "start_payout": "start-payout", "mark_paid": "mark-paid", "close_appeal_approve": "close-appeal",
                "close_appeal_reject": "close-appeal"}
DONE = {"take": "已领取，开始审核。", "request-info": "已要求客户补充材料。", "resume-review": "材料已收齐，工单回到审核中。",
        "approve": "已审核通过。",
        "reject": "已驳回。", "start-payout": "已发起打款。", "mark-paid": "已确认到账。", "close-appeal": "申诉已处理。"}
VOUCHER_DONE = {**DONE, "start-payout": "代金券发放中。", "mark-paid": "已确认代金券发放。"}


def add_review_routes(console: Blueprint, auth: StaffAuth, services: Services) -> None:
    workflow = services.workflow

    @console.get("/tickets")
    @auth.required(role=Role.REVIEWER, page=True)
    async def ticket_queue(request: Request, staff: Staff) -> response.HTTPResponse:
        wanted = TicketFilter.from_args({k: request.args.get(k, "") for k in request.args})
        rows = [queue_row(t, workflow.is_overdue(t)) for t in workflow.queue(wanted)]
        return auth.page(request, "review_queue.html", rows=rows, wanted=wanted, statuses=STATUS_LABELS,
                         reasons=REASON_LABELS, sorts=SORTS)

    @console.get("/tickets/<ticket_id>")
    @auth.required(role=Role.REVIEWER, page=True)
    async def ticket_page(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
        return ticket_view(request, ticket_id, done=request.args.get("done", ""))

    @console.post("/tickets/<ticket_id>/<action>")
    @auth.required(role=Role.REVIEWER, csrf=True)
    async def ticket_action(request: Request, staff: Staff, ticket_id: str, action: str) -> response.HTTPResponse:
        result = run_action(workflow, ticket_id, action, staff, form_body(request))
        if result.status == 200:
            return response.redirect(f"/console/tickets/{ticket_id}?done={action}")
        error = (result.body or b"").decode("utf-8")
        return ticket_view(request, ticket_id, status=result.status, error=_error_text(error),
                           form={key: request.form.get(key) for key in request.form or {}})

    def ticket_view(request: Request, ticket_id: str, status: int = 200, error: Optional[str] = None,
                    done: Optional[str] = None, form: Optional[Dict[str, Any]] = None) -> response.HTTPResponse:
        ticket = workflow.get(ticket_id)
        if ticket is None:
            return auth.page(request, "review_ticket.html", status=404, ticket=None, error="没有这个工单。")
        uploads = services.uploads.for_conversation_or_ticket(ticket.conversation_id or "", ticket.ticket_id)
        done = (VOUCHER_DONE if ticket.pays_voucher else DONE).get(done or "")
        allowed = {FORM_ACTIONS[a] for a in workflow.allowed_actions(ticket, Actor.REVIEWER)}
        return auth.page(request, "review_ticket.html", status=status, ticket=ticket, view=ticket_details(ticket),
                         overdue=workflow.is_overdue(ticket), allowed=allowed, action_labels=ACTION_LABELS,
                         rejection_reasons=REJECTION_LABELS, common_requests=COMMON_INFO_REQUESTS,
                         uploads=uploads, error=error, done=done, form=form or {})


def form_body(request: Request) -> Dict[str, Any]:
    """The review form as the back office's JSON body: checked items and typed lines both count
    as what the customer must add."""
    form = request.form
    if form is None:
        return {"missing": []}
    missing = [item for item in form.getlist("missing") or [] if item in COMMON_INFO_REQUESTS]
    missing += [line.strip() for line in (form.get("missing_other") or "").splitlines() if line.strip()]
    body: Dict[str, Any] = {"missing": missing}
    for key in ("reason", "reason_code", "note", "payout_reference", "decision"):
        body[key] = (form.get(key) or "").strip()
    amount = (form.get("amount") or "").strip()
    body["amount"] = amount or None
    return body


def queue_row(ticket: Ticket, overdue: bool) -> Dict[str, Any]:
    return {"ticket_id": ticket.ticket_id, "customer_id": ticket.customer_id, "order_id": ticket.order_id,
            "status": ticket.status_label, "reason": REASON_LABELS.get(ticket.reason, ticket.reason),
            "kind": ticket.kind_label, "amount": f"{ticket.quoted_amount:,.2f}", "due": format_customer_date(ticket.stage_due)
            if ticket.stage_due else "—", "overdue": overdue, "escalated": was_escalated(ticket),
            "appealed": ticket.appeal_statement is not None, "manual": ticket.manual_review,
            "created": format_customer_time(ticket.created_at)}


def ticket_details(ticket: Ticket) -> Dict[str, Any]:
    """What the ticket page shows, in Chinese and Beijing time."""
    quote = ticket.quote or {}
    return {
        "status": ticket.status_label, "reason": REASON_LABELS.get(ticket.reason, ticket.reason),
        "kind": ticket.kind_label, "kind_note": _kind_note(ticket), "payout": PAYOUT_WORDS[ticket.pays_voucher],
        "voucher": ticket.pays_voucher,
        "rule": RULE_LABELS.get(ticket.rule, ticket.rule), "created": format_customer_time(ticket.created_at),
        "due": format_customer_date(ticket.stage_due) if ticket.stage_due else "—",
        "lines": [{"label": line.get("label", ""), "amount": line.get("amount", "")} for line in quote.get("lines", [])],
        "quoted": f"{ticket.quoted_amount:,.2f}",
        "final": f"{ticket.final_amount:,.2f}" if ticket.final_amount is not None else None,
        "paid": quote.get("paid"), "explanation": quote.get("explanation", ""),
        "details": _details(ticket.details),
        "evidence": [{"kind": EVIDENCE_LABELS.get(e.kind, e.kind), "content": e.content,
                      "at": format_customer_time(e.created_at), "link": e.kind == "link"} for e in ticket.evidence],
        "events": [_event(ticket, e) for e in ticket.events],
        "rejection": REJECTION_LABELS.get(ticket.rejection_code or "", None),
    }


# (start the payout, its reference, confirm it) for money and for an SLA voucher.
PAYOUT_WORDS = {False: ("发起打款", "打款流水号", "确认到账"), True: ("发放代金券", "代金券编号", "确认已发放")}


def _kind_note(ticket: Ticket) -> str:
    """What approving the ticket does to the customer's resource, for the reviewer."""
    if ticket.kind == TicketKind.DOWNGRADE:
        spec = (ticket.quote or {}).get("target_spec") or "新配置"
        return f"客户保留实例，配置降为「{spec}」，到期时间不变；差价退回账户余额，不释放资源。"
    if ticket.kind == TicketKind.SLA_CLAIM:
        month = (ticket.quote or {}).get("sla_month") or ""
        month = f"{month[:4]} 年 {int(month[5:])} 月" if len(month) == 7 else "当月"
        return f"{month}故障补偿：以代金券发放到客户账户，不退现金；服务照常，不释放资源。"
    return "退款后资源按退订流程释放。"


DETAIL_LABELS = {"incident_time": "问题发生时间", "incident_instance": "出问题的实例", "incident_description": "问题描述",
                 "evidence_links": "客户提供的材料", "duplicate_confirmed": "客户确认重复扣款"}


def _details(details: Dict[str, Any]) -> List[Dict[str, str]]:
    shown = []
    for key, label in DETAIL_LABELS.items():
        if details.get(key) not in (None, ""):
            value = details[key]
            shown.append({"label": label, "value": "是" if value is True else str(value)})
    return shown


VOUCHER_ACTION_LABELS = {**ACTION_LABELS, "start_payout": "发放代金券", "mark_paid": "确认已发放"}


def _event(ticket: Ticket, event: TicketEvent) -> Dict[str, str]:
    """One line of the timeline, in the ticket's own words (an SLA claim issues a voucher)."""
    kind, _, who = event.actor.partition(":")
    actor = ACTOR_LABELS.get(kind, kind) + (f" {who}" if who and kind == Actor.REVIEWER else "")
    if kind == "system" and who == "escalation":
        actor = "系统（逾期催办）"
    code = event.reason_code or ""
    what = (VOUCHER_ACTION_LABELS if ticket.pays_voucher else ACTION_LABELS).get(code, "")
    if code in REJECTION_LABELS:
        what = f"驳回：{REJECTION_LABELS[code]}"
    elif code == "escalated":
        what = "逾期催办"
    elif code == "supplement" and kind == Actor.REVIEWER:
        what = "确认材料已收齐，恢复审核"
    elif event.reason_code == "filed" or event.from_status is None:
        what = "提交申请"
    return {"at": format_customer_time(event.at), "actor": actor, "what": what,
            "from": ticket.state_label(event.from_status) if event.from_status else "",
            "to": ticket.state_label(event.to_status),
            "note": event.note}


def _error_text(body: str) -> str:
    try:
        return str(json.loads(body).get("error") or "操作没有完成，请重试。")
    except ValueError:
        return "操作没有完成，请重试。"
