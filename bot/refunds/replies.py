"""Customer-facing Chinese texts about orders, quotes and tickets (no Rasa imports)."""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional, Sequence

from bot.billing.models import Order, Payment
from bot.clock import format_customer_date, format_customer_time
from bot.money import format_yuan, to_money
from bot.policy.explain import DESTINATION_LABELS
from bot.policy.quote import Quote
from bot.refunds.pages import RefundPages
from bot.tickets.models import Ticket


def order_title(order: Order) -> str:
    """One line that lets a customer recognise an order (used on buttons)."""
    paid = order.primary_payment.amount if order.primary_payment else order.amount_due
    instance = f" · {order.instance_id}" if order.instance_id else ""
    return f"{order.product_name}{instance} · 订单 {order.order_id} · {format_yuan(paid)}"


def order_found(order: Order) -> str:
    activated = format_customer_time(order.activated_at, with_time=False)
    return f"好的，已找到您的订单 {order.order_id}：{order.product_name}，{activated}开通。"


PAYMENT_METHODS = {"alipay": "支付宝", "wechat": "微信支付", "bank_card": "银行卡", "balance": "账户余额"}


def payment_method_label(method: str) -> str:
    """How a customer calls a payment method (billing codes never reach them)."""
    return PAYMENT_METHODS.get(method, "其他支付方式")


def duplicate_question(payments: Sequence[Payment], primary: Payment) -> str:
    lines = ["我们在账单中查到这笔订单有多笔扣款："]
    for p in (primary, *payments):
        lines.append(f"· 交易号 {p.txn_id}，{format_customer_time(p.paid_at)}，{format_yuan(p.amount)}"
                     f"（{payment_method_label(p.method)}）")
    lines.append(f"其中后 {len(payments)} 笔为重复扣款，确认是要退回这部分吗？")
    return "\n".join(lines)


def quote_question(quote: Quote) -> str:
    """The quote in plain Chinese, followed by the confirmation question."""
    if quote.eligible and quote.refund == 0 and not quote.vouchers_returned:
        return f"{quote.explanation}\n\n确认提交退订申请吗？（按规则不退款）"
    if quote.eligible:
        return f"{quote.explanation}\n\n以上金额以审核结果为准。确认提交退款申请吗？"
    return f"{quote.explanation}\n\n您仍然可以提交申请，由人工审核复核您的情况。要提交吗？"


def ticket_filed(ticket: Ticket, pages: Optional[RefundPages] = None) -> str:
    quote = ticket.quote
    follow = where_to_follow(ticket, pages)
    if ticket.manual_review:
        return (f"已为您提交人工复核申请，工单号 {ticket.ticket_id}。审核人员会核实您的情况，"
                f"结果会在这里和站内信通知您。{follow}")
    if to_money(quote["refund"]) == 0 and not to_money(quote.get("vouchers_returned") or 0):
        return (f"已为您提交退订申请，工单号 {ticket.ticket_id}。按规则可退金额为 0 元，"
                f"审核预计 {_date(quote.get('review_due'))} 前完成，通过后即完成退订，不退款。\n{follow}")
    destination = DESTINATION_LABELS.get(quote.get("destination") or "", "")
    return (
        f"已为您提交退款申请，工单号 {ticket.ticket_id}。\n"
        f"预计退款 {format_yuan(to_money(quote['refund']))}（以审核结果为准），退回{destination}。\n"
        f"审核预计 {_date(quote.get('review_due'))} 前完成，审核通过后预计 {_date(quote.get('expected_arrival'))} 前到账。\n"
        f"{follow}"
    )


def where_to_follow(ticket: Ticket, pages: Optional[RefundPages]) -> str:
    """How the customer follows a ticket: asking here, or its page in 「我的退款」."""
    if pages is None:
        return "您可以随时对我说「查询退款进度」查看进展。"
    return (f"您可以随时对我说「查询退款进度」，也可以在[我的退款]({pages.ticket(ticket.ticket_id)})"
            "查看进展、补充材料或撤回。")


def ticket_already_open(ticket: Ticket) -> str:
    return (f"订单 {ticket.order_id} 已有进行中的退款工单 {ticket.ticket_id}（{ticket.status_label}），"
            "无需重复申请。需要查看进度的话告诉我即可。")


def ticket_list(tickets: Sequence[Ticket], heading: str) -> str:
    lines = [heading]
    for t in tickets:
        lines.append(f"· {t.ticket_id} · 订单 {t.order_id} · {t.status_label} · 提交于 "
                     f"{format_customer_time(t.created_at, with_time=False)}")
    lines.append("想看某个工单的详情，点选它或告诉我工单号即可。")
    return "\n".join(lines)


def ticket_buttons(tickets: Sequence[Ticket], limit: int = 10) -> List[Dict[str, Any]]:
    """One button per ticket that asks for its status."""
    return [{"title": f"{t.ticket_id} · {t.status_label}",
             "payload": f'/ask_refund_status{{"ticket_id": "{t.ticket_id}"}}'} for t in tickets[:limit]]


def _date(value: Optional[str]) -> str:
    return format_customer_date(date.fromisoformat(value)) if value else "（待定）"


def as_buttons(orders: Sequence[Order]) -> List[Dict[str, Any]]:
    """Quick-reply buttons that put the order id into the conversation."""
    return [{"title": order_title(o), "payload": f'/inform{{"order_id": "{o.order_id}"}}'} for o in orders]


GREETING = ("您好，我是云途退款助手。我可以帮您申请退款、查询退款进度、解释退款金额，或者介绍退款政策。"
            "请问有什么可以帮您？")
NOT_UNDERSTOOD = "抱歉，我没有完全理解您的意思。您可以换个说法，或者直接选择："
LIKELY_INTENTS = "抱歉，我不太确定您的意思。您是想："
INTENT_BUTTONS = {
    "request_refund": "申请退款", "ask_refund_status": "查询退款进度", "ask_refund_policy": "了解退款政策",
    "ask_refund_amount": "了解退款金额", "appeal_rejection": "对驳回结果申诉", "request_human": "转人工客服",
    "cancel": "取消当前操作", "withdraw_ticket": "撤回已提交的退款申请", "complain": "投诉",
    "ask_refund_channel": "了解申请渠道", "ask_pause_release": "了解暂停、释放或关机计费",
    "ask_payout_account": "了解退款收款账户", "request_callback": "预约回电或留言",
    "request_downgrade": "降低配置、退还差价", "claim_compensation": "服务故障申请补偿",
}


def likely_intent_buttons(ranking: List[Dict[str, Any]], limit: int = 3) -> List[Dict[str, str]]:
    """The likeliest things the customer meant, as buttons (first stage of the fallback)."""
    picked = [r["name"] for r in ranking if r.get("name") in INTENT_BUTTONS][:limit]
    buttons = [{"title": INTENT_BUTTONS[name], "payload": f"/{name}"} for name in picked]
    if buttons and "request_human" not in picked:
        buttons.append({"title": "转人工客服", "payload": "/request_human"})
    return buttons
NOT_UNDERSTOOD_BUTTONS = [
    {"title": "申请退款", "payload": "/request_refund"},
    {"title": "查询退款进度", "payload": "/ask_refund_status"},
    {"title": "了解退款政策", "payload": "/ask_refund_policy"},
    {"title": "转人工客服", "payload": "/request_human"},
]
REASON_QUESTION = "请问您申请退款的原因是？可以直接描述，也可以点选："
REASON_BUTTONS = [
    {"title": "需求变化，不再需要", "payload": '/inform{"refund_reason": "demand_change"}'},
    {"title": "服务质量问题（故障、不稳定等）", "payload": '/inform{"refund_reason": "service_issue"}'},
    {"title": "重复支付", "payload": '/inform{"refund_reason": "duplicate_payment"}'},
    {"title": "买错了（配置/地域/时长）", "payload": '/inform{"refund_reason": "wrong_purchase"}'},
]
INCIDENT_TIME_QUESTION = "很抱歉给您带来不便。问题大约是什么时候开始的？例如「11月20日晚上8点」或「前天下午」。"
INCIDENT_DESCRIPTION_QUESTION = "请简单描述一下出现了什么问题，例如无法连接、频繁重启、数据丢失等。"
EVIDENCE_QUESTION = "如有故障截图、监控图或日志，请发送它们的链接，我会一并附在工单里；没有的话回复「没有」即可。"


def evidence_question(upload_url: str) -> str:
    """Offer the upload page (the widget has no file control) as well as links."""
    return (f"如有故障截图、监控图或日志，请[点此上传证明材料]({upload_url})（链接 24 小时内有效），"
            "也可以直接发送链接。上传完成后回复「好了」；没有材料请回复「没有」。")


ORDER_NOT_RECOGNISED = ("没有识别到订单。您可以点选下面的订单，发送订单号（16 位数字）或实例 ID（ins-xxxxxxxx），"
                        "也可以描述一下，例如「4核8G那台」「续费的那个」「第一个」。")
NO_ORDER_FITS = "在您可退款的订单里没有找到符合这个描述的，请从下面的订单中选择，或发送订单号。"


def several_named(first: Order, rest: Sequence[Order]) -> str:
    """Two or more orders named in one message: one application at a time."""
    others = "、".join(f"订单 {o.order_id}（{o.product_name}）" for o in rest)
    return (f"您提到了 {len(rest) + 1} 个订单，一次办理一个：先办理订单 {first.order_id}（{first.product_name}），"
            f"提交后再接着办理{others}。")


def next_order_offer(order: Order) -> str:
    return f"接下来办理您提到的订单 {order.order_id}（{order.product_name}）吗？原因沿用刚才的。"


def next_order_button(order: Order) -> List[Dict[str, Any]]:
    return [{"title": f"继续办理 {order_title(order)}", "payload": f'/request_refund{{"order_id": "{order.order_id}"}}'}]


def which_of_several(count: int) -> str:
    return f"有 {count} 个订单符合，请问您要退哪一个？"


def order_not_found(typed: str) -> str:
    """The same answer for an order that does not exist and one of another customer."""
    return f"没有在您的账号下找到 {typed}，请核对后重新发送，或从列表中选择。"


# --- the refund form's answers to what the customer typed ------------------------------------

FILING_FAILED = "抱歉，系统繁忙，您的退款申请这次没有提交成功（不会产生重复申请）。您填写的内容都保留着，稍后确认即可重新提交。"
NOT_FILED = "好的，本次退款申请没有提交。如果之后改变主意，随时告诉我。"
PROMOTION_NOT_REFUNDABLE = ("这是促销活动订单，活动规则注明不可退订。如果您有特殊情况，仍可以继续申请，"
                            "由人工审核复核；不申请的话说「不退了」就好。")
PAUSED_BEFORE_FILING = "好的，先不提交，我把这份申请留着。您确认好了直接说「提交」就行，不想退了说「不退了」。"
NEEDS_AGENT_AFTER_FILING = "这个申请需要人工重点跟进，我为您转接人工客服，您可以直接向客服补充情况。"
REASON_NOT_UNDERSTOOD = "抱歉，我没能判断您的退款原因，请从下面选一项，或换个说法告诉我。"
TIME_IN_FUTURE = "这个时间好像还没到，请再确认一下问题发生的时间。"
TIME_NOT_UNDERSTOOD = ("没能从这句话里看出时间。请告诉我问题大约从什么时候开始，例如「昨天下午3点」"
                       "「11月20日上午」；记不清也可以说「不记得了」。")
TIME_TOO_LONG = "请用一句话告诉我大致时间，例如「前天下午」。"
INSTANCE_ID_PLEASE = "请发送出问题的实例 ID，形如 ins-xxxxxxxx。"
WHICH_INSTANCE = "请问是哪台实例出现了问题？请发送实例 ID（形如 ins-xxxxxxxx）。"
NOT_A_DESCRIPTION = "这条消息我没有记作问题描述。请说说具体遇到了什么问题，例如「数据库连接超时，网站打不开」。"
NO_UPLOAD_YET = "还没有收到您上传的文件。请通过上面的链接上传，或回复「没有」跳过。"
UPLOADS_ALREADY_TAKEN = "您上传的文件已收到，已作为证明材料附在申请里。"
NO_EVIDENCE_GIVEN = "无"
ADDED_TO_DESCRIPTION = "已把这段话补充到问题描述里。"
EVIDENCE_IS_A_FILE_OR_LINK = "这里需要截图、日志等文件，或网盘链接。"
NOT_A_DUPLICATE = "好的。如果不是重复扣款，请重新选择退款原因。"
WHICH_ORDER = "请选择要退款的订单："
PICK_OR_TYPE_ORDER = "请选择要退款的订单，或直接发送订单号 / 实例 ID："
NO_REFUNDABLE_ORDERS = "您的账号下暂时没有可申请退款的包年包月订单。如果您有订单号，也可以直接发给我。"
DUPLICATE_BUTTONS = [{"title": "是的，退回重复扣款", "payload": "/affirm"}, {"title": "不是", "payload": "/deny"}]
CONFIRM_BUTTONS = [{"title": "确认提交", "payload": "/affirm"}, {"title": "暂不提交", "payload": "/deny"}]
QUOTE_CHANGED = ("这次确认的内容和我刚才给您看的报价不一致（订单、原因或账单情况有变化），所以还没有提交。"
                 "请看下面按最新情况计算的报价，确认后再提交。")
MANUAL_REVIEW_BUTTONS = [{"title": "提交人工复核", "payload": "/affirm"},
                         {"title": "转人工客服", "payload": "/request_human"},
                         {"title": "不用了", "payload": "/deny"}]


def instance_not_found(instance_id: str) -> str:
    return f"没有在您的账号下找到实例 {instance_id}，请核对。"


def uploaded_files(count: int) -> str:
    """What the ticket records when the evidence was uploaded rather than typed."""
    return f"已上传 {count} 个文件"


def links_received(count: int) -> str:
    return f"已收到 {count} 个链接，会附在工单中。"


def which_order_of_instance(instance_id: str) -> str:
    return f"实例 {instance_id} 下有多个订单，请选择要退款的那一个："


# --- an id or a reason typed outside any form ----------------------------------------------

INFORM_MENU = "收到。请问需要我帮您做什么？"
INFORM_MENU_BUTTONS = [{"title": "申请退款", "payload": "/request_refund"},
                       {"title": "查询退款进度", "payload": "/ask_refund_status"},
                       {"title": "了解退款政策", "payload": "/ask_refund_policy"}]
TICKET_ID_BUTTONS = [{"title": "查询进度", "payload": "/ask_refund_status"},
                     {"title": "解释退款金额", "payload": "/ask_refund_amount"}]
ORDER_REFERENCE_BUTTONS = [{"title": "为它申请退款", "payload": "/request_refund"},
                           {"title": "查询退款进度", "payload": "/ask_refund_status"}]
CHECK_WITH_AGENT_BUTTONS = [{"title": "转人工核实", "payload": "/request_human"}]


def ticket_id_received(ticket_id: str) -> str:
    return f"收到工单号 {ticket_id}。需要我查询它的进度吗？"


def reference_received(reference: str) -> str:
    return f"收到 {reference}。请问需要办理什么？"
