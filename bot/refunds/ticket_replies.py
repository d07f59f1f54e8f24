"""What a customer is told about a ticket in each state (plain Chinese)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Dict, List, Optional, Sequence

from bot.clock import format_customer_date, format_customer_time
from bot.money import format_yuan
from bot.policy.explain import DESTINATION_LABELS, deduction_section
from bot.refunds.pages import RefundPages
from bot.tickets.labels import REASON_LABELS, REJECTION_LABELS
from bot.tickets.models import Ticket

MEDIATION = ("如您对结果仍有异议，可以申请第三方调解，或通过全国12315平台（www.12315.cn 或拨打 12315）"
             "向消费者权益保护部门反映。")
NOT_ARRIVED_HELP = ("如果还没看到这笔钱：原路退回由支付渠道入账，通常 1-3 个工作日内可见，请查看支付宝、微信或银行卡的"
                    "退款记录；退回账户余额的会直接计入您的云途账户余额。"
                    "超过 5 个工作日仍未到账，请带上交易参考号联系人工客服。")


CUSTOMER_KIND_LABELS = {"downgrade": "降配退款", "sla_claim": "SLA 故障补偿"}


def status_text(ticket: Ticket, escalated_to: Optional[date] = None, pages: Optional[RefundPages] = None) -> str:
    """The state, what happened when, the next step and its expected date (and, with `pages`,
    the link to the ticket's page in 「我的退款」)."""
    about = CUSTOMER_KIND_LABELS.get(ticket.kind) or REASON_LABELS.get(ticket.reason, ticket.reason)
    lines = [f"工单 {ticket.ticket_id}（订单 {ticket.order_id}，{about}）",
             f"当前状态：{ticket.status_label}。"]
    lines.extend(_history(ticket))
    lines.append(_next_step(ticket))
    if escalated_to is not None:
        lines.append(f"该工单已超过预计处理时间，我已为您催办，新的承诺时间为 {format_customer_date(escalated_to)} 前。")
    elif chased_at_this_stage(ticket) and ticket.stage_due is not None:
        lines.append(f"这一步已经为您催办过了，新的承诺时间为 {format_customer_date(ticket.stage_due)} 前，"
                     "处理人员会在这之前办好，不用重复催办；到期仍未办好，我会再为您催办。")
    if pages is not None:
        lines.append(f"完整记录和报价明细：[我的退款 · {ticket.ticket_id}]({pages.ticket(ticket.ticket_id)})")
    return "\n".join(line for line in lines if line)


def chased_at_this_stage(ticket: Ticket) -> bool:
    """A 催办 was recorded since the ticket reached its current state (「你再催催」 is told so)."""
    for event in reversed(ticket.events):
        if event.reason_code == "escalated":
            return True
        if event.from_status != event.to_status:
            return False
    return False


def already_given_back(ticket: Ticket, outage: bool = False) -> str:
    """A customer asks again about an order (or, `outage`, a compensated outage) that already has
    a ticket giving its money or voucher back: no new quote, where the first one stands."""
    if outage:
        lead = f"这次故障已经在工单 {ticket.ticket_id} 中申请过补偿，同一次故障只补偿一次，不用再申请。"
    else:
        lead = f"订单 {ticket.order_id} 已经在工单 {ticket.ticket_id} 中申请过，同一笔钱不会退两次，不用再申请。"
    return f"{lead}\n{status_text(ticket)}"


def _history(ticket: Ticket) -> List[str]:
    shown = [e for e in ticket.events if e.from_status != e.to_status][-4:]
    return [f"· {format_customer_time(e.at)} {ticket.state_label(e.to_status)}" for e in shown]


def _amount(ticket: Ticket) -> str:
    final = ticket.final_amount if ticket.final_amount is not None else ticket.quoted_amount
    what = {"sla_claim": "补偿代金券", "downgrade": "降配退款金额"}.get(ticket.kind, "退款金额")
    text = f"{what} {format_yuan(final)}"
    if ticket.final_amount is not None and ticket.final_amount != ticket.quoted_amount:
        text += f"（申请时预估 {format_yuan(ticket.quoted_amount)}，调整原因：{ticket.adjustment_reason}）"
    return text


def _destination(ticket: Ticket) -> str:
    return DESTINATION_LABELS.get(ticket.quote.get("destination") or "", "原支付渠道")


def next_step(ticket: Ticket) -> str:
    """What happens next and when, as the customer reads it (the chat and the ticket page)."""
    return _next_step(ticket)


def _next_step(ticket: Ticket) -> str:
    due = format_customer_date(ticket.stage_due) if ticket.stage_due else None
    status = ticket.status
    if status in ("submitted", "under_review"):
        return f"下一步：审核人员核对订单和材料，预计 {due} 前完成审核。" if due else "下一步：等待审核。"
    if status == "needs_info":
        items = "、".join(ticket.info_requested) or "相关材料"
        note = f"\n审核人员的说明：{ticket.note_to_customer}" if ticket.note_to_customer else ""
        return f"下一步：审核人员需要您补充：{items}。补充后工单会重新进入审核。{note}"
    if status == "manager_review":
        when = f"，预计 {due} 前完成" if due else ""
        return (f"审核人员已初审通过（{_amount(ticket)}）。因金额较大，按规定还需另一位主管审批{when}，"
                "主管审批通过后再安排退款。")
    arrival = f"，预计 {due} 前到账" if due else ""
    if ticket.pays_voucher and status in ("approved", "refunding", "refunded"):
        return _voucher_step(ticket)
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


def _voucher_step(ticket: Ticket) -> str:
    """An approved SLA claim: a voucher, not money (nothing is paid out to a bank)."""
    if ticket.status == "refunded":
        when = f"已于 {format_customer_time(ticket.paid_at)} " if ticket.paid_at else "已"
        code = f"（代金券编号 {ticket.payout_reference}）" if ticket.payout_reference else ""
        return f"{when}发放{_amount(ticket)}{code}，可在账户的代金券中查看，购买或续费时自动抵扣。"
    return f"审核已通过，{_amount(ticket)}正在发放到您的账户，发放后可用于抵扣后续费用（不可提现）。"


def rejection_text(ticket: Ticket) -> str:
    reason = REJECTION_LABELS.get(ticket.rejection_code or "", "未注明")
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


def reviewer_news(ticket: Ticket) -> str:
    """What a reviewer's step means for the customer, pushed to their chat right away: the new
    state and the next step, with what the reviewer wrote to them."""
    return f"您的工单 {ticket.ticket_id}（订单 {ticket.order_id}）有新进展：{ticket.status_label}。\n{_next_step(ticket)}"


def supplement_question(ticket: Ticket, upload_url: str) -> str:
    items = "、".join(ticket.info_requested) or "相关材料"
    note = f"\n审核人员的说明：{ticket.note_to_customer}" if ticket.note_to_customer else ""
    return (f"审核人员需要您为工单 {ticket.ticket_id} 补充：{items}。{note}\n请直接发送说明或链接，"
            f"或[点此上传文件]({upload_url})（上传后回复「好了」）。")


# --- answers about tickets, withdrawals, supplements and appeals -------------------------------

NOT_FOUND = "没有找到您名下的该退款工单，请核对工单号（RF 加 12 位或更多数字）。"
NO_TICKETS = "您名下暂时没有退款工单。需要现在申请退款吗？"
NO_TICKETS_BUTTONS = [{"title": "申请退款", "payload": "/request_refund"}]
OTHER_TICKETS = "您名下的其他退款工单："
AMOUNT_BUTTONS = [{"title": "转人工申请复核或赔偿", "payload": "/request_human"},
                  {"title": "没问题了", "payload": "/thank"}]
AMOUNT_AFTER_ORDER_AND_REASON = "确定订单和退款原因后，我会给您逐项列出可退金额和扣除项。"
AMOUNT_WITHOUT_TICKET = "想知道某个订单能退多少？选择订单后我会先逐项帮您试算，您确认后才会提交。"
AMOUNT_WITHOUT_TICKET_BUTTONS = [{"title": "选择订单试算", "payload": "/request_refund"}]
STILL_DISSATISFIED = "我理解您对结果不满意，为您转接人工客服进一步沟通。"
NO_REJECTED_TICKET = "您名下没有被驳回的退款工单。需要的话我可以帮您查询各工单的进度。"
NO_REJECTED_TICKET_BUTTONS = [{"title": "查询退款进度", "payload": "/ask_refund_status"}]
APPEAL_BUTTONS = [{"title": "提出申诉", "payload": "/affirm"}, {"title": "转人工客服", "payload": "/request_human"},
                  {"title": "暂不申诉", "payload": "/deny"}]
NOTHING_TO_WITHDRAW = "您当前没有进行中的申请，也没有可以撤回的工单（审核通过后的工单不能撤回）。"
WHICH_TO_WITHDRAW = "您有多个可以撤回的工单，请选择要撤回哪一个："
WITHDRAW_BUTTONS = [{"title": "确认撤回", "payload": "/affirm"}, {"title": "不撤回", "payload": "/deny"}]
UPLOADED_MARK = "（已通过上传页面补充文件）"
NO_SUPPLEMENT_UPLOAD_YET = "还没有收到您上传的文件，请通过上面的链接上传，或直接发送说明。"
NOT_A_SUPPLEMENT = ("这条消息看起来不是补充材料，我没有提交给审核人员。要补充的话，请直接发送说明、"
                    "链接或上传文件；想先问别的问题，可以回复「取消」。")
SUPPLEMENT_TOO_SHORT = "请再具体说明一下要补充的内容。"
NO_SUPPLEMENT_NEEDED = "该工单当前不需要补充材料，无需重复提交。"
NOT_AN_APPEAL = ("这条看起来是一个问题，我没有把它作为申诉理由提交。请说明您不认同审核结果的理由；"
                 "想先问别的问题，可以回复「取消」。")
APPEAL_TOO_SHORT = "请用一两句话说明您不认同审核结果的理由，这会作为申诉内容提交。"
APPEAL_NOT_FILED = "好的，暂不提交申诉。需要时随时告诉我。"


def _promised(day: Optional[date]) -> str:
    return format_customer_date(day) if day else "规定时限"


def not_rejected(ticket: Ticket) -> str:
    return f"工单 {ticket.ticket_id} 目前是「{ticket.status_label}」，并没有被驳回。"


def appeal_start(ticket: Ticket) -> str:
    return f"工单 {ticket.ticket_id}（订单 {ticket.order_id}）{rejection_text(ticket)}\n好的，我来帮您提出申诉。"


def appeal_offer(ticket: Ticket) -> str:
    return f"工单 {ticket.ticket_id}（订单 {ticket.order_id}）{rejection_text(ticket)}\n要现在提出申诉吗？"


def withdraw_buttons(tickets: Sequence[Ticket]) -> List[Dict[str, str]]:
    return [{"title": f"{t.ticket_id}（订单 {t.order_id}，{t.status_label}）",
             "payload": f'/cancel{{"ticket_id": "{t.ticket_id}"}}'} for t in tickets]


def withdraw_question(ticket: Ticket) -> str:
    return (f"确定要撤回工单 {ticket.ticket_id}（订单 {ticket.order_id}，{ticket.status_label}）吗？"
            "撤回后审核会停止，之后可以重新申请。")


def withdrawn(ticket: Ticket) -> str:
    return f"已撤回工单 {ticket.ticket_id}。如需重新申请，随时告诉我。"


def cannot_withdraw(ticket_id: str, current: Optional[Ticket]) -> str:
    return (f"工单 {ticket_id} 已是「{current.status_label if current else '未知状态'}」，无法撤回"
            "（审核通过后的工单不能撤回）。")


def welcome_back(changed: Sequence[Ticket]) -> str:
    """A returning customer's tickets that moved since the last visit."""
    lines = ["欢迎回来！自您上次来访后，以下工单有了新进展：", *(change_notice(t) for t in changed),
             "想看详情，告诉我工单号即可。"]
    return "\n".join(lines)


def supplement_received(ticket: Ticket) -> str:
    return f"已收到补充材料，工单 {ticket.ticket_id} 已重新提交审核，预计 {_promised(ticket.stage_due)} 前完成。"


def appeal_question(upload_link: str) -> str:
    return ("请简要说明您不认同审核结果的理由，我会作为申诉提交给复核人员。"
            f"如有新的证明材料，可以先[点此上传]({upload_link})。")


def cannot_appeal(ticket_id: str, current: Optional[Ticket]) -> str:
    state = f"当前为「{current.status_label}」" if current else "当前状态"
    return f"工单 {ticket_id} {state}，不能再提交申诉（每个工单同一时间只能有一个申诉）。"


def appeal_filed(ticket: Ticket) -> str:
    return (f"已为工单 {ticket.ticket_id} 提交申诉，复核人员会在 {_promised(ticket.stage_due)} 前给出结果，"
            "届时我会在这里告诉您。")

AMOUNT_OWN_NEEDS_LOGIN = "想知道您自己的订单具体怎么算，请先登录，我会逐项列给您看。"
QUESTION_DROPPED = "好的，这次先不办理，什么都没有改动。"
PERSON_IF_NEEDED = "如果还想和人工客服沟通，可以点下面的按钮。"
