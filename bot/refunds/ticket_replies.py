"""What a customer is told about a ticket in each state (plain Chinese)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import List, Optional

from bot.clock import format_customer_time
from bot.money import format_yuan
from bot.policy.explain import DESTINATION_LABELS, deduction_section, format_date
from bot.tickets.lifecycle import REJECTION_REASONS
from bot.tickets.models import REASON_LABELS, STATUS_LABELS, Ticket

MEDIATION = ("如您对结果仍有异议，可以申请第三方调解，或通过全国12315平台（www.12315.cn 或拨打 12315）"
             "向消费者权益保护部门反映。")
NOT_ARRIVED_HELP = ("如果还没看到这笔钱：原路退回由支付渠道入账，通常 1-3 个工作日内可见，请查看支付宝、微信或银行卡的"
                    "退款记录；退回账户余额的可在控制台「费用中心 → 收支明细」查看。"
                    "超过 5 个工作日仍未到账，请带上交易参考号联系人工客服。")


def status_text(ticket: Ticket, escalated_to: Optional[date] = None) -> str:
    """The state, what happened when, the next step and its expected date."""
    lines = [f"工单 {ticket.ticket_id}（订单 {ticket.order_id}，{REASON_LABELS.get(ticket.reason, ticket.reason)}）",
             f"当前状态：{ticket.status_label}。"]
    lines.extend(_history(ticket))
    lines.append(_next_step(ticket))
    if escalated_to is not None:
        lines.append(f"该工单已超过预计处理时间，我已为您催办，新的承诺时间为 {format_date(escalated_to)} 前。")
    return "\n".join(line for line in lines if line)


def _history(ticket: Ticket) -> List[str]:
    shown = [e for e in ticket.events if e.from_status != e.to_status][-4:]
    return [f"· {format_customer_time(e.at)} {_label(e.to_status)}" for e in shown]


def _label(status: str) -> str:
    return STATUS_LABELS[status]


def _amount(ticket: Ticket) -> str:
    final = ticket.final_amount if ticket.final_amount is not None else ticket.quoted_amount
    text = f"退款金额 {format_yuan(final)}"
    if ticket.final_amount is not None and ticket.final_amount != ticket.quoted_amount:
        text += f"（申请时预估 {format_yuan(ticket.quoted_amount)}，调整原因：{ticket.adjustment_reason}）"
    return text


def _destination(ticket: Ticket) -> str:
    return DESTINATION_LABELS.get(ticket.quote.get("destination") or "", "原支付渠道")


def _next_step(ticket: Ticket) -> str:
    due = format_date(ticket.stage_due) if ticket.stage_due else None
    status = ticket.status
    if status in ("submitted", "under_review"):
        return f"下一步：审核人员核对订单和材料，预计 {due} 前完成审核。" if due else "下一步：等待审核。"
    if status == "needs_info":
        items = "、".join(ticket.info_requested) or "相关材料"
        return f"下一步：审核人员需要您补充：{items}。补充后工单会重新进入审核。"
    arrival = f"，预计 {due} 前到账" if due else ""
    if status == "approved":
        return f"审核已通过，{_amount(ticket)}，将退回{_destination(ticket)}{arrival}。"
    if status == "refunding":
        return f"退款正在打款中，{_amount(ticket)}，退回{_destination(ticket)}{arrival}。"
    if status == "refunded":
        # Say only what is known: no 「已于 近期」, no 「交易参考号 None」.
        when = f"已于 {format_customer_time(ticket.paid_at)} " if ticket.paid_at else "已"
        reference = f"，交易参考号 {ticket.payout_reference}" if ticket.payout_reference else ""
        return f"{when}退回{_destination(ticket)}，{_amount(ticket)}{reference}。\n" + NOT_ARRIVED_HELP
    if status == "rejected":
        return rejection_text(ticket)
    if status == "appealed":
        return f"您的申诉正在复核中，预计 {due} 前给出结果。" if due else "您的申诉正在复核中。"
    if status == "final_rejected":
        return f"申诉复核未通过：{ticket.rejection_note or '维持原审核结果'}。\n{MEDIATION}"
    return "该申请已由您撤回，不会再处理。需要的话可以重新申请。"


def rejection_text(ticket: Ticket) -> str:
    reason = REJECTION_REASONS.get(ticket.rejection_code or "", "未注明")
    note = f"（{ticket.rejection_note}）" if ticket.rejection_note else ""
    return (f"审核未通过，原因：{reason}{note}。\n您可以：① 补充材料并提出申诉（每个工单同一时间只能有一个申诉）；"
            f"② 转人工客服说明情况。\n{MEDIATION}")


def amount_text(ticket: Ticket) -> str:
    """Item by item: the quote's lines, then any reviewer adjustment."""
    lines = [f"工单 {ticket.ticket_id} 的退款金额明细：", ticket.quote.get("explanation", "")]
    if ticket.final_amount is not None:
        if ticket.final_amount != ticket.quoted_amount:
            lines.append(f"审核后的最终金额为 {format_yuan(ticket.final_amount)}，与预估的 "
                         f"{format_yuan(ticket.quoted_amount)} 不同，原因：{ticket.adjustment_reason}。")
        else:
            lines.append(f"审核确认的最终金额为 {format_yuan(ticket.final_amount)}，与预估一致。")
    elif ticket.status in ("rejected", "final_rejected", "withdrawn"):
        lines.append(f"该工单当前为「{ticket.status_label}」，不会产生退款。")
    lines.extend(deduction_section([str(line.get("code")) for line in ticket.quote.get("lines", [])
                                    if _is_deduction(line)], ticket.reason))
    return "\n".join(line for line in lines if line)


def _is_deduction(line: dict) -> bool:
    try:
        return Decimal(str(line.get("amount"))) < 0
    except ArithmeticError:
        return False


def change_notice(ticket: Ticket) -> str:
    """One line for 'since your last visit'."""
    return f"· 工单 {ticket.ticket_id}：现在是「{ticket.status_label}」"


def supplement_question(ticket: Ticket, upload_url: str) -> str:
    items = "、".join(ticket.info_requested) or "相关材料"
    return (f"审核人员需要您为工单 {ticket.ticket_id} 补充：{items}。\n请直接发送说明或链接，"
            f"或[点此上传文件]({upload_url})（上传后回复「好了」）。")
