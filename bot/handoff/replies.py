"""What customers are told about handoffs (plain Chinese)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

from bot.clock import format_customer_time
from bot.handoff.service import QueueTicket

LEAVE_MESSAGE_BUTTONS = [
    {"title": "给客服留言", "payload": '/inform{"contact_choice": "message"}'},
    {"title": "预约电话回访", "payload": '/inform{"contact_choice": "callback"}'},
    {"title": "不用了", "payload": "/deny"},
]
SURVEY_BUTTONS = [{"title": f"{n} 分", "payload": f'/inform{{"survey_score": "{n}"}}'} for n in (5, 4, 3, 2, 1)]
SURVEY_QUESTION = "请为本次服务打分（5 分为非常满意）："
SURVEY_COMMENT_QUESTION = "感谢打分！可以说说原因吗？直接回复即可，不想填写请点「跳过」。"
AGENT_PREFIX = "【人工客服 {name}】"
HANDED_BACK = "人工客服已结束接待，接下来由智能助手继续为您服务。还有什么可以帮您？"
RESUME_BUTTONS = [{"title": "接着办理", "payload": "/affirm"}, {"title": "不用了", "payload": "/deny"}]
AGENT_JOINED = "您好，我已接入会话，正在查看您的情况。"
AGENT_CLOSED = "本次人工服务已结束，感谢您的耐心。"
# A complaint nobody could take in time is kept for the agents (never dropped silently).
COMPLAINT_KEPT = ("非常抱歉，客服暂时都在忙，没能及时接入。您的投诉已转为留言并优先处理，"
                  "客服会尽快在这里回复您；您也可以继续问我。")
CONTACT_CHOICE_QUESTION = "请选择联系方式："
LEAVE_MESSAGE_QUESTION = "请写下需要客服帮您处理的问题，客服上线后会第一时间查看："
CALLBACK_PHONE_QUESTION = "请留下方便接听的 11 位手机号码（仅用于本次回访）："
BAD_PHONE = "这个号码好像不对，请输入 11 位手机号码。"
MESSAGE_TOO_SHORT = "请简单写一下需要客服帮您处理的问题。"
NOT_UNDERSTOOD_LEAD_IN = "抱歉，我好像一直没能理解您的问题，为您转接人工客服。"
SKIP_BUTTONS = [{"title": "跳过", "payload": "/deny"}]
NO_COMMENT = "（无）"  # a skipped survey comment (the slot needs a value to end the form)
SURVEY_THANKS = "感谢您的评价！我们会继续改进。还有什么可以帮您？"
# Someone asking for a person again and again (one address filled the queue with fake chats).
TOO_OFTEN = ("您刚才已经多次请求人工客服了，请稍等几分钟再试；客服会按顺序接待。"
             "也可以[留言](/contact)，客服会尽快联系您。")
COMPLAINT_LEAD_IN = "非常抱歉给您带来了不好的体验。您的投诉已记录，由人工客服专人跟进处理。"


def assigned(agent_name: str) -> str:
    """The customer is told a person now looks after them (auto-assigned)."""
    return f"您好，已为您接通人工客服 {agent_shown_name(agent_name)}，客服正在查看您的情况，请稍候。"


def transferred(agent_name: str) -> str:
    """The customer is told the conversation moves to another agent."""
    return f"您的会话已转接给人工客服 {agent_shown_name(agent_name)}，对方会接着为您处理，请稍候。"


def resume_offer(order_id: str) -> str:
    """After a hand-back: the refund application the handoff interrupted can go on."""
    return (f"人工客服已结束接待，接下来由智能助手继续为您服务。\n刚才订单 {order_id} 的退款申请还没有提交，"
            "要接着办理吗？已经填写的内容都保留着。")


def queued(ticket: QueueTicket) -> str:
    ahead = "您是下一位" if ticket.position == 0 else f"您前面还有 {ticket.position} 位客户"
    if ticket.busy:
        return (f"正在为您转接人工客服，{ahead}。客服现在比较忙，可能需要等待 {ticket.timeout_minutes} 分钟以上。"
                "接通前您可以继续描述问题，客服接入后都能看到。"
                f"如果 {ticket.timeout_minutes} 分钟内还没有客服接入，我会告诉您，并帮您留言或预约电话回访。")
    wait = "预计 1 分钟内接入" if ticket.estimated_minutes <= 1 else f"预计等待约 {ticket.estimated_minutes} 分钟"
    limit = (f"如果 {ticket.timeout_minutes} 分钟内还没有客服接入，我会告诉您，并帮您留言或预约电话回访。"
             if ticket.timeout_minutes else "")
    return f"正在为您转接人工客服，{ahead}，{wait}。接通前您可以继续描述问题，客服接入后都能看到。{limit}"


def agent_shown_name(name: str) -> str:
    """An agent's name as the customer sees it: 小王, not 客服 小王."""
    return re.sub(r"^(?:人工客服|客服|审核员|审核)\s*", "", (name or "").strip()) or "客服"


def agent_prefix(name: str) -> str:
    """How an agent's message is signed in the chat: 【人工客服 小王】, not 【人工客服 客服 小王】."""
    return AGENT_PREFIX.format(name=agent_shown_name(name))


def message_kept_while_waiting() -> str:
    """The answer to a message typed while the customer waits for an agent."""
    return "已收到您的消息，人工客服接入后会第一时间看到，请稍候。"


def closed_now(hours: str, next_opening: Optional[datetime]) -> str:
    back = f"客服将于 {format_customer_time(next_opening)} 上线。" if next_opening else "人工客服暂停服务。"
    return f"现在不在人工客服服务时间（{hours}），{back}您可以给客服留言，或预约电话回访："


def nobody_free(next_step: str = "") -> str:
    return ("非常抱歉，客服暂时都在忙，没能及时接入您的会话。您可以给客服留言或预约电话回访，"
            "我们会尽快联系您；也可以继续问我。" + next_step)


# A call-back needs only the number: booked at once, and what it is about is offered, not asked.
CALLBACK_NOTE_OFFER = ("如果方便，可以简单说一下想咨询什么事（比如哪个订单、遇到了什么问题），我会附在这次回访上，"
                       "客服致电前就能先了解；不需要的话点「不用了」即可。")
NO_NOTE_BUTTONS = [{"title": "不用了", "payload": "/deny"}]
CALLBACK_NOTE_ADDED = "好的，已记录，并附在您的电话回访预约上，客服致电前会先看到。还有什么可以帮您？"
CALLBACK_NO_NOTE = "好的，电话回访已经预约好了，客服会拨打您留下的号码。还有什么可以帮您？"


def callback_recorded(phone: str, next_opening: Optional[datetime], in_hours: bool) -> str:
    """The call-back is booked: on which number, and when agents call."""
    if in_hours:
        when = "客服会尽快致电"
    elif next_opening:
        when = f"客服上线后（{format_customer_time(next_opening)} 起）会尽快致电"
    else:
        when = "客服上线后会尽快致电"
    return f"已记录您的电话回访预约（尾号 {phone[-4:]}），{when}。"


def message_recorded(kind: str, next_opening: Optional[datetime]) -> str:
    what = "电话回访预约" if kind == "callback" else "留言"
    when = f"客服上线后（{format_customer_time(next_opening)} 起）" if next_opening else "客服上线后"
    return f"已记录您的{what}，{when}会尽快处理。"
