"""The reviewers' workspace in the console: the ticket queue with filters, and one ticket with
its quote lines, the customer's statements and evidence, the timeline, and forms for exactly
the actions its state allows. Plain HTML forms: it works without scripts and with a keyboard."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice.api import run_action
from bot.backoffice.staff import Staff
from bot.clock import format_customer_date, format_customer_time
from bot.money import format_yuan
from bot.policy.explain import DESTINATION_LABELS
from bot.refunds.service import REASON_FIELDS
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
from bot.vocabulary import Actor, RefundReason, Role, TicketKind, TicketStatus
from bot.web.staff_auth import StaffAuth
from bot.web.ticket_news import Notify
from bot.wiring import Services

# Lifecycle actions → the back office's action names (one form closes an appeal either way).
FORM_ACTIONS = {"take": "take", "request_info": "request-info", "supplement": "resume-review", "approve": "approve",
                "reject": "reject", "approve_for_manager": "approve", "start_payout": "start-payout",
                "mark_paid": "mark-paid", "close_appeal_approve": "close-appeal", "close_appeal_reject": "close-appeal",
                "close_appeal_for_manager": "close-appeal", "manager_approve": "manager-approve",
                "manager_return": "manager-return"}
DONE = {"take": "已领取，开始审核。", "request-info": "已要求客户补充材料。", "resume-review": "材料已收齐，工单回到审核中。",
        "approve": "已审核通过。", "reject": "已驳回。", "start-payout": "已发起打款。", "mark-paid": "已确认到账。",
        "close-appeal": "申诉已处理。", "manager-approve": "主管审批通过。", "manager-return": "已退回重审。"}
TO_MANAGER = "金额超过审批上限，初审已通过，等待另一位主管审批。"
VOUCHER_DONE = {**DONE, "start-payout": "代金券发放中。", "mark-paid": "已确认代金券发放。"}


def add_review_routes(console: Blueprint, auth: StaffAuth, services: Services, notify: Notify) -> None:
    workflow = services.workflow
    limit = workflow.policy.manager_approval_above
    approval_limit = format_yuan(limit) if limit is not None else None

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
        return ticket_view(request, staff, ticket_id, done=request.args.get("done", ""))

    @console.post("/tickets/<ticket_id>/<action>")
    @auth.required(role=Role.REVIEWER, csrf=True)
    async def ticket_action(request: Request, staff: Staff, ticket_id: str, action: str) -> response.HTTPResponse:
        result = run_action(workflow, ticket_id, action, staff, form_body(request))
        if result.status == 200:
            await notify(ticket_id, action)
            return response.redirect(f"/console/tickets/{ticket_id}?done={action}")
        error = (result.body or b"").decode("utf-8")
        return ticket_view(request, staff, ticket_id, status=result.status, error=_error_text(error),
                           form={key: request.form.get(key) for key in request.form or {}})

    def ticket_view(request: Request, staff: Staff, ticket_id: str, status: int = 200, error: Optional[str] = None,
                    done: Optional[str] = None, form: Optional[Dict[str, Any]] = None) -> response.HTTPResponse:
        ticket = workflow.get(ticket_id)
        if ticket is None:
            return auth.page(request, "review_ticket.html", status=404, ticket=None, error="没有这个工单。")
        uploads = services.uploads.for_ticket(ticket.customer_id, ticket.ticket_id)  # this ticket's only
        if done in ("approve", "close-appeal") and ticket.status == TicketStatus.MANAGER_REVIEW:
            done = TO_MANAGER
        else:
            done = (VOUCHER_DONE if ticket.pays_voucher else DONE).get(done or "")
        actors = [Actor.REVIEWER] + ([Actor.MANAGER] if staff.has(Role.MANAGER) else [])
        allowed = {FORM_ACTIONS[a] for actor in actors for a in workflow.allowed_actions(ticket, actor)}
        return auth.page(request, "review_ticket.html", status=status, ticket=ticket, view=ticket_details(ticket),
                         overdue=workflow.is_overdue(ticket), allowed=allowed, action_labels=ACTION_LABELS,
                         rejection_reasons=REJECTION_LABELS, common_requests=COMMON_INFO_REQUESTS,
                         uploads=uploads, error=error, done=done, form=form or {}, approval_limit=approval_limit)


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
        "terms": _quote_terms(ticket),
        "details": _details(ticket),
        "evidence": [{"kind": EVIDENCE_LABELS.get(e.kind, e.kind), "content": e.content,
                      "at": format_customer_time(e.created_at), "link": e.kind == "link"} for e in ticket.evidence],
        "events": [_event(ticket, e) for e in ticket.events],
        "rejection": REJECTION_LABELS.get(ticket.rejection_code or "", None),
    }


# (start the payout, its reference, confirm it) for money and for an SLA voucher.
PAYOUT_WORDS = {False: ("发起打款", "打款流水号", "确认到账"), True: ("发放代金券", "代金券编号", "确认已发放")}


def _quote_terms(ticket: Ticket) -> List[Dict[str, str]]:
    """What the customer was promised beyond the lines, as the quote they confirmed says it: where
    the money goes, the cash / gift-credit split, vouchers, the configuration, the dates."""
    quote = ticket.quote or {}
    terms = []
    if quote.get("destination"):
        terms.append(("退回去向", DESTINATION_LABELS.get(quote["destination"], quote["destination"])))
    if _amount(quote.get("refund_gift_credit")):
        terms.append(("现金 / 赠送金", f"现金 {_yuan(quote.get('refund_cash'))}，赠送金 {_yuan(quote.get('refund_gift_credit'))}"
                                  "（按支付比例，赠送金退回账户）"))
    if _amount(quote.get("vouchers_returned")):
        terms.append(("退回的代金券", _yuan(quote.get("vouchers_returned"))))
    if ticket.kind == TicketKind.REFUND and _amount(quote.get("sla_compensation")):
        month = _month((ticket.claim_key or "").rpartition(":")[2]) or "当月"
        terms.append(("另发 SLA 补偿代金券", f"{_yuan(quote.get('sla_compensation'))}（{month}故障，可用性 "
                                        f"{quote.get('sla_availability')}%；与退款一起审核，通过后发放）"))
    if quote.get("target_spec"):
        terms.append(("降配后的配置", str(quote["target_spec"])))
    dates = [f"审核 {_date(quote.get('review_due'))} 前"] if quote.get("review_due") else []
    if quote.get("expected_arrival") and quote.get("destination") != "voucher":
        dates.append(f"到账 {_date(quote.get('expected_arrival'))} 前")
    if dates:
        terms.append(("承诺日期", "，".join(dates)))
    if quote.get("needs_manager_approval"):
        terms.append(("审批", "金额超过审批上限：已告知客户需主管审批"))
    return [{"label": label, "value": value} for label, value in terms]


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _yuan(value: Any) -> str:
    return format_yuan(_amount(value))


def _date(value: Any) -> str:
    try:
        return format_customer_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _month(value: str) -> str:
    return f"{value[:4]} 年 {int(value[5:])} 月" if len(value) == 7 and value[5:].isdigit() else ""


def _kind_note(ticket: Ticket) -> str:
    """What approving the ticket does to the customer's resource, for the reviewer."""
    if ticket.refunds_duplicate:
        return "重复扣款退款：客户保留资源，只退回多扣的那笔款项（核对下方两笔交易流水），不释放资源。"
    if ticket.kind == TicketKind.DOWNGRADE:
        spec = (ticket.quote or {}).get("target_spec") or "新配置"
        return f"客户保留实例，配置降为「{spec}」，到期时间不变；差价退回账户余额，不释放资源。"
    if ticket.kind == TicketKind.SLA_CLAIM:
        month = _month((ticket.quote or {}).get("sla_month") or "") or "当月"
        return f"{month}故障补偿：以代金券发放到客户账户，不退现金；服务照常，不释放资源。"
    return "退款后资源按退订流程释放。"


DETAIL_LABELS = {"incident_time": "问题发生时间", "incident_instance": "出问题的实例", "incident_description": "问题描述",
                 "evidence_links": "客户提供的材料", "duplicate_confirmed": "客户确认重复扣款"}


def _details(ticket: Ticket) -> List[Dict[str, str]]:
    """The form answers of the ticket's reason only (an instance is asked about a service problem)."""
    reason = RefundReason.parse(ticket.reason)
    details, fields = ticket.details, REASON_FIELDS.get(reason, ()) if reason is not None else ()
    shown = []
    for key, label in DETAIL_LABELS.items():
        if key in fields and details.get(key) not in (None, ""):
            value = details[key]
            shown.append({"label": label, "value": "是" if value is True else str(value)})
    return shown


VOUCHER_ACTION_LABELS = {**ACTION_LABELS, "start_payout": "发放代金券", "mark_paid": "确认已发放"}


def _event(ticket: Ticket, event: TicketEvent) -> Dict[str, str]:
    """One line of the timeline, in the ticket's own words (an SLA claim issues a voucher)."""
    kind, _, who = event.actor.partition(":")
    actor = ACTOR_LABELS.get(kind, kind) + (f" {who}" if who and kind in (Actor.REVIEWER, Actor.MANAGER) else "")
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
