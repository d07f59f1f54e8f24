"""The reviewers' workspace in the console: the ticket queue with filters, and one ticket with
its quote lines, the customer's statements and evidence, the timeline, and forms for exactly
the actions its state allows. Plain HTML forms: it works without scripts and with a keyboard."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice.api import run_action
from bot.backoffice.labels import staff_name
from bot.backoffice.staff import Staff
from bot.clock import format_customer_date, format_customer_time
from bot.errors import NotFound
from bot.money import format_yuan
from bot.policy.explain import DESTINATION_LABELS
from bot.refunds.service import REASON_FIELDS
from bot.tickets.labels import (
    ACTION_LABELS,
    ACTOR_LABELS,
    COMMON_INFO_REQUESTS,
    EVIDENCE_LABELS,
    KIND_LABELS,
    REASON_LABELS,
    REJECTION_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    info_requests_for,
)
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.queue import ALL, MINE, SORTS, UNCLAIMED, VIEWS, TicketFilter, was_escalated
from bot.tickets.workflow import BULK_LIMIT, BulkOutcome, InvalidRequest, TicketWorkflow
from bot.uploads.store import StoredUpload
from bot.vocabulary import PROVIDER_STAGES, Actor, RefundReason, Role, TicketKind, TicketStatus
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


# Steps after which the reviewer is taken to the next ticket of the queue they came from.
DECISIONS = frozenset({"take-approve", "approve", "reject", "request-info", "close-appeal", "manager-approve",
                       "manager-return", "mark-paid"})
# Actions a manager takes on a ticket another reviewer holds (the second person, by design).
MANAGER_ACTIONS = frozenset({"manager-approve", "manager-return"})
DONE["take-approve"] = DONE["approve"]
ALL_DONE = "「{view}」里的工单已处理完。"


def held_by_colleague(ticket: Ticket, staff: Staff) -> bool:
    """Another reviewer took the open ticket: it is theirs until it is reassigned."""
    return ticket.reviewer_id not in (None, staff.staff_id) and ticket.is_open


def colleague_refusal(ticket: Ticket, staff_names: Dict[str, str]) -> str:
    return (f"这张工单由 {staff_names.get(ticket.reviewer_id or '', ticket.reviewer_id)} 领取处理中。"
            "如需接手，请先改派给自己。")


def add_review_routes(console: Blueprint, auth: StaffAuth, services: Services, notify: Notify) -> None:
    workflow = services.workflow
    limit = workflow.policy.manager_approval_above
    approval_limit = format_yuan(limit) if limit is not None else None

    def staff_names() -> Dict[str, str]:
        return {s.staff_id: s.name for s in services.staff.all()}

    def wanted_of(request: Request, staff: Staff) -> Tuple[TicketFilter, Tuple[str, ...]]:
        """The queue the reviewer is working (from the address): its filter, and the customers
        whose name matched its search. Without a view: every ticket when a state or a search
        is asked for, else their own tickets, or the unclaimed when they hold none."""
        args = {k: request.args.get(k, "") for k in request.args}
        if request.method == "POST" and request.form is not None:  # a form says where it was sent from
            args = {k: v[0] for k, v in parse_qs(request.form.get("back") or "").items()}
        wanted = TicketFilter.from_args(args)
        named = services.customers.named_like(wanted.text) if wanted.text else ()
        if "view" not in args and (wanted.status or wanted.text):
            wanted = replace(wanted, view=ALL)
        elif "view" not in args:
            mine = workflow.queue(replace(wanted, view=MINE, page=1), staff.staff_id, named)
            wanted = replace(wanted, view=MINE if mine.total else UNCLAIMED)
        return wanted, named

    @console.get("/tickets")
    @auth.required(role=Role.REVIEWER, page=True)
    async def ticket_queue(request: Request, staff: Staff) -> response.HTTPResponse:
        wanted, named = wanted_of(request, staff)
        shown = workflow.queue(wanted, staff.staff_id, named)
        names = services.customers.names(t.customer_id for t in shown.tickets)
        people = staff_names()
        rows = [queue_row(t, workflow.is_overdue(t), names.get(t.customer_id), people, staff) for t in shown.tickets]
        finished = ALL_DONE.format(view=VIEWS[wanted.view]) if request.args.get("finished") and not shown.total else ""
        return auth.page(request, "review_queue.html", rows=rows, wanted=wanted, shown=shown, views=VIEWS,
                         statuses=STATUS_LABELS, reasons=REASON_LABELS, kinds=KIND_LABELS, sorts=SORTS,
                         finished=finished, done=_done_text(workflow, request.args.get("prev", ""),
                                                            request.args.get("done", ""), finished=True),
                         bulk_limit=BULK_LIMIT)

    @console.post("/tickets/bulk-approve")
    @auth.required(role=Role.REVIEWER, csrf=True, page=True)
    async def bulk_approve(request: Request, staff: Staff) -> response.HTTPResponse:
        wanted, _ = wanted_of(request, staff)
        ids = (request.form.getlist("ticket") if request.form else None) or []
        try:
            outcomes = workflow.approve_many_at_quote(ids, staff.staff_id)
        except InvalidRequest as exc:
            return auth.page(request, "review_bulk.html", status=422, error=str(exc), outcomes=[], wanted=wanted)
        for outcome in outcomes:
            if outcome.ticket is not None:
                await notify(outcome.ticket_id, "approve")
        return auth.page(request, "review_bulk.html", outcomes=[bulk_row(o) for o in outcomes], wanted=wanted,
                         approved=sum(o.approved for o in outcomes), to_manager=sum(o.to_manager for o in outcomes),
                         left=sum(o.ticket is None for o in outcomes), error=None)

    @console.get("/tickets/<ticket_id>")
    @auth.required(role=Role.REVIEWER, page=True)
    async def ticket_page(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
        return ticket_view(request, staff, ticket_id, done=_done_text(workflow, request.args.get("prev", ""),
                                                                     request.args.get("done", "")))

    @console.post("/tickets/<ticket_id>/<action>")
    @auth.required(role=Role.REVIEWER, csrf=True)
    async def ticket_action(request: Request, staff: Staff, ticket_id: str, action: str) -> response.HTTPResponse:
        wanted, named = wanted_of(request, staff)
        before = workflow.queue_order(wanted, staff.staff_id, named) if action in DECISIONS else []
        ticket = workflow.get(ticket_id)
        refusal, result = "", response.json({}, status=409)
        if ticket is not None and held_by_colleague(ticket, staff) and action not in MANAGER_ACTIONS | {"reassign"}:
            refusal = colleague_refusal(ticket, staff_names())
        elif action == "reassign":
            result = _reassign(workflow, ticket_id, staff, form_body(request).get("note", ""))
        elif action == "take-approve":
            if ticket is not None and ticket.reviewer_id is None:
                result = run_action(workflow, ticket_id, "take", staff, {})
            if ticket is None or ticket.reviewer_id is not None or result.status == 200:
                result = run_action(workflow, ticket_id, "approve", staff, {"amount": None})
        else:
            result = run_action(workflow, ticket_id, action, staff, form_body(request))
        if not refusal and result.status == 200:
            await notify(ticket_id, "approve" if action == "take-approve" else action)
            back = wanted.query()
            if action not in DECISIONS:
                return response.redirect(f"/console/tickets/{ticket_id}?{back}&done={action}")
            after = workflow.queue_order(wanted, staff.staff_id, named)
            following = _next_in_queue(before, after, ticket_id.upper())
            if following is None:
                return response.redirect(f"/console/tickets?{back}&done={action}&prev={ticket_id}&finished=1")
            return response.redirect(f"/console/tickets/{following}?{back}&done={action}&prev={ticket_id}")
        error = refusal or _error_text((result.body or b"").decode("utf-8"))
        return ticket_view(request, staff, ticket_id, status=409 if refusal else result.status, error=error,
                           form={key: request.form.get(key) for key in request.form or {}})

    def ticket_view(request: Request, staff: Staff, ticket_id: str, status: int = 200, error: Optional[str] = None,
                    done: Optional[str] = None, form: Optional[Dict[str, Any]] = None) -> response.HTTPResponse:
        ticket = workflow.get(ticket_id)
        if ticket is None:
            return auth.page(request, "review_ticket.html", status=404, ticket=None, error="没有这个工单。")
        wanted, named = wanted_of(request, staff)
        order = workflow.queue_order(wanted, staff.staff_id, named)
        where = order.index(ticket.ticket_id) if ticket.ticket_id in order else None
        nearby = {"position": where + 1 if where is not None else None, "total": len(order),
                  "previous": order[where - 1] if where else None,
                  "next": order[where + 1] if where is not None and where + 1 < len(order) else
                  (order[0] if where is None and order else None)}
        uploads = services.uploads.for_ticket(ticket.customer_id, ticket.ticket_id)  # this ticket's only
        actors = [Actor.REVIEWER] + ([Actor.MANAGER] if staff.has(Role.MANAGER) else [])
        allowed = {FORM_ACTIONS[a] for actor in actors for a in workflow.allowed_actions(ticket, actor)}
        people = staff_names()
        colleague = held_by_colleague(ticket, staff)
        if colleague:
            allowed &= MANAGER_ACTIONS
        customer = services.customers.get(ticket.customer_id)
        billed = services.refunds.order(ticket.customer_id, ticket.order_id)
        return auth.page(request, "review_ticket.html", status=status, ticket=ticket, view=ticket_details(ticket, people),
                         overdue=workflow.is_overdue(ticket), allowed=allowed, action_labels=ACTION_LABELS,
                         rejection_reasons=REJECTION_LABELS,
                         common_requests=info_requests_for(ticket.kind, ticket.reason),
                         uploads=[preview_json(u) for u in uploads], error=error, done=done, form=form or {},
                         approval_limit=approval_limit, wanted=wanted, back=wanted.query(), views=VIEWS,
                         nearby=nearby, colleague=colleague_refusal(ticket, people) if colleague else "",
                         assignee=people.get(ticket.reviewer_id or "", ticket.reviewer_id),
                         customer_name=customer.name if customer else ticket.customer_id,
                         product=billed.product_name if billed else ticket.product_code,
                         quick_approve=("take" in allowed or "approve" in allowed) and not ticket.manual_review
                         and not colleague)


def _reassign(workflow: TicketWorkflow, ticket_id: str, staff: Staff, note: str) -> response.HTTPResponse:
    try:
        workflow.reassign(ticket_id, staff.staff_id, staff.staff_id, note)
    except NotFound:
        return response.json({"error": "没有这个工单。"}, status=404)
    except IllegalTransition as exc:
        return response.json({"error": str(exc)}, status=409)
    return response.json({"ok": True})


def _next_in_queue(before: List[str], after: List[str], current: str) -> Optional[str]:
    """The ticket to open after deciding `current`: the next one of the queue as it was, if it
    is still there, else the first of the queue as it is now (never `current` again)."""
    still = set(after) - {current}
    if current in before:
        for candidate in before[before.index(current) + 1:]:
            if candidate in still:
                return candidate
    return next((candidate for candidate in after if candidate != current), None)


def _done_text(workflow: TicketWorkflow, previous: str, action: str, finished: bool = False) -> Optional[str]:
    """What the last step did, said on the page it led to (the next ticket, or this one)."""
    if action not in DONE and action != "reassign":
        return None
    ticket = workflow.get(previous) if previous else None
    if action == "reassign":
        return "已改派给你，现在可以处理这张工单。"
    if ticket is not None and action in ("approve", "take-approve", "close-appeal") \
            and ticket.status == TicketStatus.MANAGER_REVIEW:
        said = TO_MANAGER
    else:
        said = (VOUCHER_DONE if ticket is not None and ticket.pays_voucher else DONE)[action]
    if ticket is None:
        return said
    return f"工单 {ticket.ticket_id}：{said}" + ("" if finished else "已为你打开队列中的下一个工单。")


def bulk_row(outcome: BulkOutcome) -> Dict[str, Any]:
    ticket = outcome.ticket
    if ticket is None:
        return {"ticket_id": outcome.ticket_id, "result": "未处理", "detail": outcome.refusal, "ok": False}
    detail = (f"{_yuan(ticket.final_amount)}（按报价）" if outcome.approved else
              f"{_yuan(ticket.final_amount)}，超过审批上限，已提交主管审批")
    return {"ticket_id": ticket.ticket_id, "result": ticket.status_label, "detail": detail, "ok": True}


def preview_json(upload: StoredUpload) -> Dict[str, Any]:
    """An evidence file and how the page previews it (picture, PDF or text log)."""
    kind = ("image" if upload.content_type.startswith("image/") else "pdf" if upload.content_type == "application/pdf"
            else "text" if upload.content_type.startswith("text/") else "")
    return {"upload_id": upload.upload_id, "filename": upload.filename, "size": upload.size,
            "content_type": upload.content_type, "preview": kind, "url": f"/console/uploads/{upload.upload_id}",
            "inline": f"/console/uploads/{upload.upload_id}?inline=1"}


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


def queue_row(ticket: Ticket, overdue: bool, customer_name: Optional[str], people: Dict[str, str],
              staff: Staff) -> Dict[str, Any]:
    """One row of the queue, as reviewers read it; `bulk`: it can be approved at its quote with others."""
    mine_to_decide = ticket.status == TicketStatus.UNDER_REVIEW and ticket.reviewer_id == staff.staff_id
    unclaimed = ticket.status == TicketStatus.SUBMITTED and ticket.reviewer_id is None
    return {"ticket_id": ticket.ticket_id, "customer_id": ticket.customer_id, "order_id": ticket.order_id,
            "customer_name": customer_name or ticket.customer_id,
            "status": ticket.status_label, "reason": REASON_LABELS.get(ticket.reason, ticket.reason),
            "kind": ticket.kind_label, "amount": f"{ticket.quoted_amount:,.2f}", "due": due_text(ticket),
            "overdue": overdue, "escalated": was_escalated(ticket),
            "appealed": ticket.appeal_statement is not None, "manual": ticket.manual_review,
            "created": format_customer_time(ticket.created_at),
            "assignee": people.get(ticket.reviewer_id or "", ticket.reviewer_id) if ticket.reviewer_id else "",
            "mine": ticket.reviewer_id == staff.staff_id,
            "bulk": (mine_to_decide or unclaimed) and not ticket.manual_review}


def due_text(ticket: Ticket) -> str:
    """The current stage's due date, or who it waits for when it is not on us."""
    if ticket.stage_due is not None and ticket.status in PROVIDER_STAGES:
        return format_customer_date(ticket.stage_due)
    if ticket.status == TicketStatus.NEEDS_INFO:
        return "等待客户补充"
    if ticket.status == TicketStatus.REJECTED:
        return "等待客户决定是否申诉"
    return "已结束" if not ticket.is_open else "—"


def ticket_details(ticket: Ticket, people: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """What the ticket page shows, in Chinese and Beijing time; staff named as they read each
    other (`people`: ids to names), 「王芳（a2）」."""
    quote = ticket.quote or {}
    people = people or {}
    return {
        "status": ticket.status_label, "reason": REASON_LABELS.get(ticket.reason, ticket.reason),
        "kind": ticket.kind_label, "kind_note": _kind_note(ticket), "payout": PAYOUT_WORDS[ticket.pays_voucher],
        "voucher": ticket.pays_voucher,
        "rule": RULE_LABELS.get(ticket.rule, ticket.rule), "created": format_customer_time(ticket.created_at),
        "due": due_text(ticket),
        "lines": [{"label": line.get("label", ""), "amount": _separated(line.get("amount", ""))}
                  for line in quote.get("lines", [])],
        "quoted": f"{ticket.quoted_amount:,.2f}",
        "final": f"{ticket.final_amount:,.2f}" if ticket.final_amount is not None else None,
        "paid": quote.get("paid"), "paid_shown": _separated(quote.get("paid")) if quote.get("paid") else "—",
        "explanation": quote.get("explanation", ""),
        "terms": _quote_terms(ticket),
        "details": _details(ticket),
        "evidence": [{"kind": EVIDENCE_LABELS.get(e.kind, e.kind), "content": e.content,
                      "at": format_customer_time(e.created_at), "link": e.kind == "link"} for e in ticket.evidence],
        "events": [_event(ticket, e, people) for e in ticket.events],
        "approved_by": staff_name(people, ticket.approved_by),
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


def _separated(value: Any) -> str:
    """An amount with thousands separators (「3,600.00」; a line's sign kept), as staff read money."""
    text = str(value if value is not None else "")
    try:
        amount = Decimal(text)
    except ArithmeticError:
        return text
    return f"{amount:,.2f}" if amount.is_finite() else text


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


def _event(ticket: Ticket, event: TicketEvent, people: Dict[str, str]) -> Dict[str, str]:
    """One line of the timeline, in the ticket's own words (an SLA claim issues a voucher), the
    reviewer or manager by name: 「审核员 王芳（a2）」."""
    kind, _, who = event.actor.partition(":")
    actor = ACTOR_LABELS.get(kind, kind)
    if who and kind in (Actor.REVIEWER, Actor.MANAGER):
        named = staff_name(people, who)
        actor = named if named.startswith(actor) else f"{actor} {named}"  # a name may carry the role already
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
    note = event.note
    if code == "reassigned":  # stored as 「由 a2 改派给 r1：…」: staff read names
        note = REASSIGNED.sub(lambda m: f"由 {staff_name(people, m.group(1))} 改派给 {staff_name(people, m.group(2))}", note, 1)
    return {"at": format_customer_time(event.at), "actor": actor, "what": what,
            "from": ticket.state_label(event.from_status) if event.from_status else "",
            "to": ticket.state_label(event.to_status),
            "note": note}


REASSIGNED = re.compile(r"^由 (\S+) 改派给 ([^\s：]+)")


def _error_text(body: str) -> str:
    try:
        return str(json.loads(body).get("error") or "操作没有完成，请重试。")
    except ValueError:
        return "操作没有完成，请重试。"
