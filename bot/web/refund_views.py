"""What the customer's refund pages show, shaped for the templates: a ticket's state, amounts,
quote lines, what the reviewer wrote to them, their evidence and timeline; an order; a quote.
Everything in Chinese, in Beijing time, money with thousands separators (no codes, no raw values)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Sequence

from bot.billing.models import Order, Payment, Spec
from bot.clock import format_customer_date, format_customer_time
from bot.money import format_yuan
from bot.policy.explain import DESTINATION_LABELS
from bot.policy.quote import RULE_LABELS
from bot.refunds import replies, ticket_replies
from bot.refunds.application import Application, OrderChoice
from bot.refunds.form_texts import KIND_CHOICES
from bot.tickets.labels import REASON_LABELS, REJECTION_LABELS
from bot.tickets.models import Ticket, TicketEvent
from bot.uploads.store import StoredUpload
from bot.vocabulary import Actor, TicketKind, TicketStatus
from bot.web import texts

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# How a state looks in lists (a colour class; the words say it too).
TONES = {"submitted": "info", "under_review": "info", "needs_info": "action", "manager_review": "info",
         "approved": "ok", "refunding": "ok", "refunded": "done", "rejected": "action", "appealed": "info",
         "final_rejected": "muted", "withdrawn": "muted"}


def yuan(value: Any) -> str:
    """An amount as customers read it (「1,200.00 元」); a missing or broken one as 「—」."""
    try:
        return format_yuan(Decimal(str(value))) if value not in (None, "") else "—"
    except (InvalidOperation, ValueError):
        return "—"


def _date(value: Any) -> Optional[str]:
    try:
        return format_customer_date(value if isinstance(value, date) else date.fromisoformat(str(value)))
    except ValueError:
        return None


def subject(ticket: Ticket) -> str:
    """What the ticket asks for, in the words the chat uses."""
    return ticket_replies.CUSTOMER_KIND_LABELS.get(ticket.kind) or REASON_LABELS.get(ticket.reason, "退款申请")


def amount(ticket: Ticket) -> str:
    final = ticket.final_amount if ticket.final_amount is not None else ticket.quoted_amount
    return format_yuan(final)


def due(ticket: Ticket) -> Optional[Dict[str, str]]:
    """「预计审核完成」「2026年11月30日前」 for the stage the provider owes, else None."""
    labels = texts.VOUCHER_DUE_LABELS if ticket.pays_voucher else texts.DUE_LABELS
    if ticket.stage_due is None or ticket.status not in labels:
        return None
    return {"label": labels[ticket.status], "date": f"{format_customer_date(ticket.stage_due)}前"}


def row(ticket: Ticket, order: Optional[Order], overdue: bool) -> Dict[str, Any]:
    """One line of 「我的退款」."""
    return {"ticket_id": ticket.ticket_id, "subject": subject(ticket), "order_id": ticket.order_id,
            "product": order.product_name if order else "", "status": ticket.status_label,
            "tone": TONES.get(ticket.status, "info"), "amount_label": texts.AMOUNT_LABELS.get(ticket.kind, "金额"),
            "amount": amount(ticket), "created": format_customer_time(ticket.created_at),
            "updated": format_customer_time(ticket.updated_at), "due": due(ticket), "overdue": overdue,
            "your_turn": texts.YOUR_TURN.get(ticket.status, "")}


def quote_view(quote: Dict[str, Any], kind: str) -> Dict[str, Any]:
    """A quote (as Quote.to_dict() stores it on the ticket) line by line, with what it promises."""
    lines = [{"label": str(line.get("label", "")), "amount": yuan(line.get("amount")),
              "deduction": _negative(line.get("amount"))} for line in quote.get("lines") or []]
    rule = quote.get("rule_label") or RULE_LABELS.get(str(quote.get("rule")), "")
    return {"lines": lines, "total": yuan(quote.get("refund")), "total_label": texts.AMOUNT_LABELS.get(kind, "金额"),
            "rule": rule, "terms": _terms(quote), "explanation": str(quote.get("explanation") or "")}


def _negative(value: Any) -> bool:
    try:
        return Decimal(str(value)) < 0
    except (InvalidOperation, ValueError):
        return False


def _terms(quote: Dict[str, Any]) -> List[Dict[str, str]]:
    """Where the money goes, how it splits, what else comes back, and the dates promised."""
    terms = []
    if quote.get("destination"):
        terms.append(("退回至", DESTINATION_LABELS.get(str(quote["destination"]), "原支付渠道")))
    if _positive(quote.get("refund_gift_credit")):
        terms.append(("其中", f"现金 {yuan(quote.get('refund_cash'))}，赠送金 {yuan(quote.get('refund_gift_credit'))}"
                            "（按原支付比例退回）"))
    if _positive(quote.get("vouchers_returned")):
        terms.append(("退回的代金券", yuan(quote.get("vouchers_returned"))))
    if quote.get("sla_compensation") and quote.get("rule") != "sla_compensation" and _positive(quote.get("sla_compensation")):
        terms.append(("另发故障补偿", f"{yuan(quote.get('sla_compensation'))} 代金券（与退款一起审核）"))
    if quote.get("target_spec"):
        terms.append(("降配后的配置", str(quote["target_spec"])))
    review, arrival = _date(quote.get("review_due")), _date(quote.get("expected_arrival"))
    if review:
        terms.append(("预计审核完成", f"{review}前"))
    if arrival:
        terms.append(("预计到账" if quote.get("destination") != "voucher" else "预计发放", f"{arrival}前"))
    if quote.get("needs_manager_approval"):
        terms.append(("审批", "金额较大，审核通过后还需主管审批"))
    return [{"label": label, "value": value} for label, value in terms]


def _positive(value: Any) -> bool:
    try:
        return value not in (None, "") and Decimal(str(value)) > 0
    except (InvalidOperation, ValueError):
        return False


def ticket_view(ticket: Ticket, order: Optional[Order], uploads: Sequence[StoredUpload], overdue: bool) -> Dict[str, Any]:
    """The ticket page: summary, reviewer's words, quote, evidence, timeline."""
    return {**row(ticket, order, overdue), "kind": KIND_CHOICES.get(ticket.kind, ("", ""))[0],
            "reason": REASON_LABELS.get(ticket.reason, "") if ticket.kind == TicketKind.REFUND else "",
            "voucher": ticket.pays_voucher, "next_step": ticket_replies.next_step(ticket).removeprefix("下一步："),
            "reviewer": reviewer_words(ticket), "quote": quote_view(ticket.quote or {}, ticket.kind),
            "manual_review": ticket.manual_review, "evidence": _evidence(ticket),
            "files": [{"id": f.upload_id, "name": f.filename, "size": _size(f.size)} for f in uploads],
            "timeline": [_event(ticket, e) for e in ticket.events]}


def reviewer_words(ticket: Ticket) -> List[Dict[str, str]]:
    """What the reviewer wrote to the customer (what they asked for, why not, why a different
    amount), as the chat says it."""
    words = []
    if ticket.status == TicketStatus.NEEDS_INFO:
        words.append(("需要您补充", "、".join(ticket.info_requested) or "相关材料"))
        if ticket.note_to_customer:
            words.append(("审核人员的说明", ticket.note_to_customer))
    if ticket.rejection_code and ticket.status in (TicketStatus.REJECTED, TicketStatus.APPEALED, TicketStatus.FINAL_REJECTED):
        words.append(("驳回原因", REJECTION_LABELS.get(ticket.rejection_code, "未注明")))
        if ticket.rejection_note:
            words.append(("说明" if ticket.status != TicketStatus.FINAL_REJECTED else "复核结论", ticket.rejection_note))
    if ticket.final_amount is not None and ticket.final_amount != ticket.quoted_amount:
        words.append(("审核后的金额", f"{format_yuan(ticket.final_amount)}（申请时预估 {format_yuan(ticket.quoted_amount)}）"))
        if ticket.adjustment_reason:
            words.append(("调整原因", ticket.adjustment_reason))
    if ticket.appeal_statement and ticket.status in (TicketStatus.APPEALED, TicketStatus.FINAL_REJECTED):
        words.append(("您的申诉理由", ticket.appeal_statement))
    return [{"label": label, "value": value} for label, value in words]


def _evidence(ticket: Ticket) -> List[Dict[str, Any]]:
    return [{"kind": texts.EVIDENCE_KINDS.get(e.kind, "材料"), "content": e.content, "link": e.kind == "link",
             "at": format_customer_time(e.created_at)} for e in ticket.evidence]


def _size(size: int) -> str:
    return f"{size / 1024:,.1f} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):,.1f} MB"


def _event(ticket: Ticket, event: TicketEvent) -> Dict[str, str]:
    """One step of the timeline, in the customer's words; reviewers' own notes stay out."""
    code = _event_code(event)
    words = texts.VOUCHER_TIMELINE if ticket.pays_voucher else texts.TIMELINE
    what = words.get(code) or ticket.state_label(event.to_status)
    if code == "reject" and event.reason_code in REJECTION_LABELS:
        what = f"{what}：{REJECTION_LABELS[event.reason_code]}"
    note = event.note.strip() if code in texts.TIMELINE_NOTES else ""
    if code == "escalated":
        found = ISO_DATE.search(event.note or "")
        new_due = _date(found.group(0)) if found else None
        note = f"新的承诺日期：{new_due}前" if new_due else ""
    labels = texts.VOUCHER_NOTE_LABELS if ticket.pays_voucher else texts.NOTE_LABELS
    return {"at": format_customer_time(event.at), "what": what, "state": ticket.state_label(event.to_status),
            "note_label": labels.get(code, ""), "note": note}


def _event_code(event: TicketEvent) -> str:
    """Which step an audit event is (the trail stores a rejection under its reason code)."""
    code = event.reason_code or ""
    if code == "filed" or event.from_status is None:
        return "filed"
    if code in REJECTION_LABELS:
        return "reject"
    if code == "supplement" and not event.actor.startswith(f"{Actor.CUSTOMER}:"):
        return "resume_review"
    return code


def order_view(choice: OrderChoice) -> Dict[str, Any]:
    """One order in the application's list: what it is, its dates and state, what can be done."""
    order = choice.order
    return {"order_id": order.order_id, "product": order.product_name, "instance": order.instance_id or "",
            "bought": format_customer_time(order.created_at, with_time=False),
            "expires": format_customer_time(order.expires_at, with_time=False) if order.expires_at else "—",
            "paid": format_yuan(choice.paid), "state": choice.state, "kinds": list(choice.kinds),
            "blocked": choice.blocked or "", "ticket_id": choice.ticket.ticket_id if choice.ticket else "",
            "ticket_status": choice.ticket.status_label if choice.ticket else ""}


def spec_view(spec: Spec) -> Dict[str, str]:
    """A configuration a downgrade can move to, with its monthly list price."""
    return {"code": spec.spec_code, "name": spec.name, "price": f"{format_yuan(spec.monthly_price)}/月"}


def payments_view(primary: Optional[Payment], duplicates: Sequence[Payment]) -> List[Dict[str, Any]]:
    """The order's charges as billing shows them, the repeated ones marked."""
    if primary is None:
        return []
    return [{"txn": p.txn_id, "at": format_customer_time(p.paid_at), "amount": format_yuan(p.amount),
             "method": replies.payment_method_label(p.method), "duplicate": p is not primary}
            for p in (primary, *duplicates)]


def application_subject(application: Application) -> str:
    """「退订并退款 · 服务质量问题」: what is being applied for."""
    kind = KIND_CHOICES.get(application.kind, ("", ""))[0]
    reason = REASON_LABELS.get(application.reason, "") if application.kind == TicketKind.REFUND else ""
    return " · ".join(part for part in (kind, reason) if part)
