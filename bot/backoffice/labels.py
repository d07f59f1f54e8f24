"""What agents and reviewers read in the console and the back office: names of roles, handoff
states and kinds, and the console's messages (ticket words are in `bot.tickets.labels`)."""
from __future__ import annotations

from typing import Dict, List, Optional

from bot.vocabulary import (
    CallResult,
    ConversationOutcome,
    ConversationSign,
    Grant,
    HandoffKind,
    HandoffOutcome,
    HandoffStatus,
    MailOutcome,
    ReviewStatus,
    Role,
)

ROLE_LABELS: Dict[str, str] = {Role.AGENT: "客服", Role.REVIEWER: "审核员", Role.MANAGER: "主管", Role.OPERATOR: "运营"}
GRANT_LABELS: Dict[str, str] = {Grant.TRANSCRIPTS: "会话查阅授权"}

HANDOFF_STATUS_LABELS: Dict[str, str] = {
    HandoffStatus.WAITING: "排队中",
    HandoffStatus.ACTIVE: "接待中",
    HandoffStatus.RESOLVED: "已结束",
    HandoffStatus.TIMED_OUT: "等待超时",
    HandoffStatus.MESSAGE: "留言待处理",
}
HANDOFF_KIND_LABELS: Dict[str, str] = {
    HandoffKind.LIVE: "在线转人工", HandoffKind.MESSAGE: "留言", HandoffKind.CALLBACK: "电话回访",
    HandoffKind.EMAIL: "客户邮件",
}
HANDOFF_OUTCOME_LABELS: Dict[str, str] = {
    HandoffOutcome.HANDED_BACK: "交回智能助手", HandoffOutcome.CLOSED: "客服结束", HandoffOutcome.TIMED_OUT: "无人接入",
}
HANDOFF_REASON_LABELS: Dict[str, str] = {
    "requested": "客户要求", "fallback": "连续未理解", "dissatisfied": "对结果不满", "large_amount": "大额退款",
    "flagged": "需人工复核", "complaint": "客户投诉", "web_contact": "网页留言",
    "mail_complaint": "邮件投诉", "mail_unclear": "邮件未能识别", "mail_complex": "复杂邮件", "mail_material": "邮件补充材料",
    "mail_failed": "邮件自动处理失败", "mail_thread": "客户邮件回复",
}
MAIL_OUTCOME_LABELS: Dict[str, str] = {
    MailOutcome.UNKNOWN_SENDER: "非登记邮箱：已回复办理方式", MailOutcome.LINK_SENT: "已向登记邮箱发送办理链接",
    MailOutcome.STATUS_SENT: "已向登记邮箱发送进度", MailOutcome.MATERIAL_ADDED: "已作为工单补充材料",
    MailOutcome.WORK_ITEM: "已转人工处理", MailOutcome.AUTOMATIC: "自动回复、退信或群发邮件：不回复",
    MailOutcome.FLOOD: "同一发件人来信过多：已保存，未回复", MailOutcome.DUPLICATE: "重复投递：已忽略",
    MailOutcome.FAILED: "自动处理失败：已转人工",
}
GUEST_NAME = "访客"
CLICKED_BUTTON = "（点选了按钮）"
GUEST_PANEL_NAME = "访客（未登录）"

# Console messages.
PLEASE_LOG_IN = "请先登录。"
PAGE_EXPIRED = "页面已过期，请刷新后重试。"
TOO_MANY_LOGINS = "登录失败次数过多，请 10 分钟后再试。"
WRONG_LOGIN = "工号或密码不正确。"
NO_SUCH_CONVERSATION = "没有这个会话。"
ALREADY_TAKEN = "这个会话已被其他客服接入或已结束。"
CONVERSATION_ENDED = "这个会话已结束。"
CLAIM_FIRST = "请先接入这个会话。"
EMPTY_REPLY = "回复内容不能为空。"
EMPTY_NOTE = "备注不能为空。"
ONLY_OWN_CONVERSATIONS = "只能结束自己正在接待的会话。"
FILE_GONE = "文件不存在，或已按数据保留期限删除。"
FILE_MISSING = "文件已不在存储中。"
TICKET_NOT_FOUND = "没有这个工单。"
NO_SUCH_MAIL = "没有这封邮件。"
NOT_THIS_CUSTOMERS_TICKET = "只能关联这位客户自己的工单。"
DATES_REVERSED = "开始日期不能晚于结束日期。"
TRANSCRIPTS_GRANT_REQUIRED = "查看完整会话记录和凭证文件需要客服或审核员角色，或「会话查阅」授权。"


def bad_date(name: str) -> str:
    return f"{name}格式不对，请按 2026-12-01 这样的格式填写。"


def role_required(role: Role) -> str:
    return f"{ROLE_LABELS[role]}角色才能进行这个操作。"


# What each intent means, for operators labelling messages in the NLU review inbox.
INTENT_LABELS: Dict[str, str] = {
    "greet": "打招呼", "goodbye": "道别", "thank": "道谢", "affirm": "肯定、同意", "deny": "否定、拒绝",
    "bot_challenge": "问是不是机器人", "request_refund": "申请退款", "ask_refund_status": "查询退款进度",
    "ask_refund_policy": "咨询退款规则", "ask_refund_amount": "问退款金额（为什么这么少）", "appeal_rejection": "对驳回提出申诉",
    "request_human": "要求转人工", "cancel": "取消、不办了", "inform": "提供信息（订单号、原因、时间等）",
    "out_of_scope": "与退款无关", "withdraw_ticket": "撤回退款申请", "complain": "投诉",
    "ask_refund_channel": "问退到哪里", "ask_pause_release": "问暂停或释放资源", "ask_payout_account": "问收款账户",
    "rate_service": "评价服务", "request_callback": "要求回电或留言", "nlu_fallback": "没听懂（兜底）",
    "request_downgrade": "降低配置、退差价", "claim_compensation": "故障申请补偿（不退订）",
}
REVIEW_STATUS_LABELS: Dict[str, str] = {ReviewStatus.NEW: "待标注", ReviewStatus.LABELLED: "已标注",
                                        ReviewStatus.DISMISSED: "已忽略"}
UNKNOWN_INTENT = "请从列表中选择一个意图。"
NO_SUCH_REVIEW_ITEM = "这条消息不存在。"


def dashboard_period_too_long(max_days: int) -> str:
    return f"请选择不超过 {max_days} 天、且开始日期不晚于结束日期的时间段。"
NO_SUCH_TABLE = "没有这张表，或时间段不对。"

def staff_name(people: Dict[str, str], staff_id: Optional[str]) -> str:
    """How staff read a colleague: 「王芳（a2）」, the id alone for someone unknown, 「—」 for nobody."""
    if not staff_id:
        return "—"
    name = people.get(staff_id)
    return f"{name}（{staff_id}）" if name and name != staff_id else staff_id


# --- the operator dashboard: what conversations reached, and every figure's one definition ---
CONVERSATION_OUTCOME_LABELS: Dict[str, str] = {
    ConversationOutcome.HANDED_AFTER_FAILURE: "助手没办成，转人工", ConversationOutcome.HANDED_ON_REQUEST: "客户要求转人工",
    ConversationOutcome.HANDED_BY_RULE: "按规则转人工", ConversationOutcome.FILED: "已提交工单",
    ConversationOutcome.WITHDRAWN: "客户撤回或放弃申请", ConversationOutcome.ANSWERED: "问题已解答",
    ConversationOutcome.IN_PROGRESS: "进行中", ConversationOutcome.ABANDONED_IN_FORM: "填写申请中途离开",
    ConversationOutcome.NO_OUTCOME: "没有结果就离开",
}
TRANSCRIPT_SPEAKERS: Dict[str, str] = {"customer": "客户", "assistant": "智能助手", "agent": "人工客服"}
CONVERSATION_SIGN_LABELS: Dict[str, str] = {
    ConversationSign.REPEAT: "客户重复或换个说法再说", ConversationSign.CORRECTION: "客户纠正（「不是」「我说的是」）",
    ConversationSign.FALLBACK: "助手没听懂（兜底回复）", ConversationSign.FAILED_HANDOFF: "助手没办成而转人工",
    ConversationSign.LEFT_MID_FORM: "填写申请中途离开",
}
FIGURE_DEFINITIONS: Dict[str, str] = {
    "会话数": "这段时间内开始、客户给智能助手发过消息的会话。每个会话只算一次，算在开始的那天；转人工后客户写给客服的话不算。",
    "自助办成率": "没有转人工，且提交了工单、问题已解答或客户自己撤回申请的会话，占会话数的比例。",
    "转人工的会话": "会话中有过在线转人工（不论是否有人接入），按第一次转人工的原因分为：助手没办成（连续没听懂、"
                  "客户不满意答复）、客户要求（要求人工、投诉）、按规则（大额、需人工复核）。",
    "出问题的会话": "至少有一种迹象的会话：客户重复或换个说法再说、客户纠正、助手没听懂、助手没办成而转人工、填写申请中途离开。"
                  "一个会话可以有多种迹象，所以各迹象的会话数相加可能大于出问题的会话数。",
    "等待中位数": "转人工的会话里，从第一次转人工到客服接入的分钟数的中位数（没有人接入的不算）。",
    "新工单": "这段时间内提交的工单，包括对话、网页和邮件各个渠道，所以可能多于“已提交工单”的会话数。",
    "已退款金额": "这段时间内提交、现已退款的工单退回的金额（不含 SLA 补偿代金券）。",
    "已发放补偿代金券": "这段时间内提交、现已发放的 SLA 补偿代金券金额（不是现金）。",
    "目前逾期": "现在已过当前环节截止日期、仍未处理的工单（不限提交时间）。",
    "满意度均分": "这段时间内客户对人工服务的评分（1–5 分）的平均值。",
    "没听懂比例": "上述会话中，客户发给智能助手的消息里助手没听懂（兜底回复）的比例。",
    "留言与回电": "这段时间内客户留下的留言和预约回电（不论现在是否已处理）。",
}

# --- work items: messages and call-backs ---
CALL_RESULT_LABELS: Dict[str, str] = {
    CallResult.RESOLVED: "已接通，问题已解决", CallResult.FOLLOW_UP: "已接通，还需跟进",
    CallResult.NO_ANSWER: "未接通，稍后再打", CallResult.WRONG_NUMBER: "号码有误，无法联系",
}


def call_note(result: CallResult, note: str = "") -> str:
    """The internal note a recorded call leaves on its call-back."""
    return f"回电结果：{CALL_RESULT_LABELS[result]}" + (f"。{note.strip()}" if note.strip() else "")


NOT_YOUR_WORK_ITEM = "这条留言不在你手上，或已经处理完。请先领取。"
WORK_ITEM_TAKEN = "这条留言已被同事领取。"
UNKNOWN_CALL_RESULT = "请选择回电结果。"


TRANSFER_ENDED = "这个会话已结束，无法转接。"
TRANSFER_OWN_ONLY = "只能转接自己正在接待的会话；需要改派请联系主管。"
TRANSFER_NOT_AN_AGENT = "请选择一位在职的人工客服。"
TRANSFER_SAME_AGENT = "这个会话已由该客服接待。"
TRANSFER_AGENT_OFFLINE = "该客服当前不在线，请选择在线的客服。"
HOLDER_STILL_ONLINE = "接待的同事仍在线，请先与其沟通，或请主管改派。"
TOOK_OVER = "原接待客服已离线，由我接手。"
COMPLAINT_TAG = "投诉"
LONG_WAIT_TAG = "等待过久"


def transfer_note(agent_name: str, note: str) -> str:
    """The internal note a transfer leaves: to whom, and why."""
    return f"已转接给 {agent_name}" + (f"：{note}" if note else "。")


def replied_note(text: str, emailed_to: Optional[str] = None) -> str:
    """The note a reply to a work item leaves: where the customer reads it (their chat when they
    return, and the e-mail sent to `emailed_to` when there is an address)."""
    where = f"聊天窗口，并已发送邮件至 {emailed_to}" if emailed_to else "聊天窗口；客户没有可用的邮箱，未发送邮件"
    return f"已回复客户（{where}）：{text}"


def unfilled_reply(names: List[str]) -> str:
    """A reply still holding canned-reply variables the conversation had no value for."""
    return "回复里还有没填写的内容：" + "、".join("{" + n + "}" for n in names) + "，请换成实际内容后再发送。"
