"""What the website's refund application (「申请退款」, bot/refunds/application.py) says: the
choices, the reasons an order cannot be applied for, and each field's error, in plain Chinese."""
from __future__ import annotations

from bot.tickets.models import Ticket

CHANNEL_NAME = "网页自助申请"  # the filing's note in the audit trail (reviewers read it)

KIND_CHOICES = {
    "refund": ("退订并退款", "不再使用：退订后资源释放，按退款规则退还可退部分。"),
    "downgrade": ("降低配置，退还差价", "保留实例和数据，到期时间不变，新旧配置的差价退回账户余额。"),
    "sla_claim": ("故障补偿（SLA）", "服务照常运行：按故障记录计算当月可用性，以代金券发放补偿，不退现金。"),
}
REASON_HINTS = {
    "demand_change": "业务调整、不再需要该资源。",
    "service_issue": "故障、频繁中断或性能不达标。需要说明问题和大致时间，可附截图或日志。",
    "duplicate_payment": "同一订单被扣款多次。我们会从账单中找出重复的那笔。",
    "wrong_purchase": "买错了配置、地域或时长。",
}

# Order states in the list (what billing says about the service, not the ticket).
ORDER_ACTIVE = "服务中"
ORDER_NOT_STARTED = "未生效（续费）"
ORDER_EXPIRED = "已到期"
ORDER_PAYG = "按量付费"
ORDER_RELEASED = "已退订"

CHOOSE_ORDER = "请选择要申请的订单。"
ORDER_NOT_FOUND = "没有在您的账号下找到这个订单，请从列表中选择。"
CHOOSE_KIND = "请选择您要申请的服务。"
KIND_NOT_OFFERED = "这个订单不能办理所选的服务，请重新选择。"
CHOOSE_REASON = "请选择退款原因。"
CHOOSE_SPEC = "请选择要降到的配置。"
TIME_NEEDED = "请填写问题大约开始的时间；记不清的话，勾选「记不清具体时间」。"
TIME_NOT_A_TIME = "时间格式不正确，请按「年-月-日 时:分」填写，例如 2026-11-23 20:30；只记得日期也可以，例如 2026-11-23。"
TIME_IN_FUTURE = "这个时间还没到，请再确认一下问题发生的时间。"
TIME_UNKNOWN = "记不清具体时间"
INSTANCE_FORMAT = "实例 ID 的格式是 ins- 加 8 位字母或数字，例如 ins-a1b2c3d4。"
DESCRIPTION_NEEDED = "请简单描述遇到的问题，例如「数据库连接超时，网站打不开」。"
TEXT_TOO_LONG = "内容请不要超过 {limit} 字（现在 {length} 字）。"
DUPLICATE_NOT_CONFIRMED = "请核对下面的扣款记录，确认是重复扣款后勾选；如果不是重复扣款，请选择其他原因。"
NO_DUPLICATE_HERE = "账单中这笔订单只有一笔扣款，没有重复扣款记录。如确有重复扣款，请转人工客服核实。"
DRAFT_INVALID = "申请页面已失效，请重新开始填写。"
NO_UPLOADS_HERE = "降配申请不需要上传材料。"
CONFIRMATION_INVALID = "确认信息无效或页面已过期，没有提交。请核对下面按最新情况计算的报价，再确认一次。"
CONFIRMATION_OF_ANOTHER_LOGIN = "这份报价是在另一次登录中生成的，没有提交。请核对下面的报价后重新确认。"
FILED_ELSEWHERE = "这个订单在您查看报价之后已经提交过申请，没有重复提交。"
WITHDRAWN_SINCE = ("这份报价已经用来提交过申请（工单 {ticket_id}，现在是「{status}」），没有再次提交。"
                   "如需重新申请，请重新填写。")
QUOTE_CHANGED = ("报价在您查看之后有了变化（订单或账单情况变了），所以还没有提交。"
                 "请核对下面按最新情况计算的报价，再确认一次。")
NOT_FILED_BUSY = "抱歉，系统繁忙，这次没有提交成功（不会产生重复申请）。您填写的内容都还在，请稍后再点「确认提交」。"


def text_too_long(limit: int, length: int) -> str:
    return TEXT_TOO_LONG.format(limit=limit, length=length)


def instance_not_yours(instance_id: str) -> str:
    return f"没有在您的账号下找到实例 {instance_id}，请核对。"


def open_ticket(ticket: Ticket) -> str:
    """An order with an application in progress: one at a time."""
    return f"已有进行中的申请（工单 {ticket.ticket_id}，{ticket.status_label}），请在工单页面查看或补充。"


def settled(ticket: Ticket) -> str:
    """An order already given back in full (or the pot this application would draw from)."""
    return f"已在工单 {ticket.ticket_id}（{ticket.status_label}）中申请过，同一笔钱不会退两次。"


def compensated(ticket: Ticket) -> str:
    return f"这次故障已在工单 {ticket.ticket_id}（{ticket.status_label}）中申请过补偿，同一次故障只补偿一次。"


def filed_before(ticket: Ticket) -> str:
    """A confirmation used again after its ticket closed (withdrawn, rejected): not filed twice."""
    return WITHDRAWN_SINCE.format(ticket_id=ticket.ticket_id, status=ticket.status_label)


def incident_time_stored(iso: str, moment_text: str) -> str:
    """How the ticket keeps the time a web form gave (the chat keeps the typed words the same way)."""
    return f"{iso}（网页填写：{moment_text}）"


def agent_follow_up(ticket: Ticket) -> str:
    """The agents' queue item for a web application a person must follow (staff read it)."""
    return (f"客户在网页提交了申请 {ticket.ticket_id}（订单 {ticket.order_id}，{ticket.status_label}"
            f"{'，需人工复核' if ticket.manual_review else '，金额较大'}），请跟进并联系客户。")
