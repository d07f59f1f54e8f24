"""What the mail intake writes to customers (plain, polite Simplified Chinese). Each reply is a
list of paragraphs; bot.mail.compose turns it into plain text with an HTML alternative."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from bot.refunds.pages import RefundPages
from bot.refunds.ticket_replies import status_text
from bot.tickets.labels import REASON_LABELS
from bot.tickets.models import Ticket

SIGNATURE = "云途客服\n（此邮件由系统自动发送，直接回复本邮件即可补充说明。）"
SIGNATURE_UNKNOWN = "云途客服\n（此邮件由系统自动发送。）"
SENDER_NAME = "云途客服"
LINK_RULE = "链接 3 天内有效，只能使用一次，需要登录您的账户后才能打开。"
NOT_YOU = "如果这封邮件不是您本人发出的，请忽略本邮件，您的账户不会有任何变化。"


@dataclass
class Reply:
    """A reply being written: its subject and paragraphs (URLs become links in the HTML part)."""

    subject: str
    paragraphs: List[str] = field(default_factory=list)

    def add(self, *paragraphs: str) -> None:
        self.paragraphs.extend(p for p in paragraphs if p)


def subject_for(original: str) -> str:
    """「回复：」 and the customer's subject (once), or a subject of our own for an empty one.
    Control and direction characters are left out (an overridden direction could make the
    subject read as something else), and so is the subject's end past 200 characters."""
    original = " ".join("".join(ch for ch in (original or "") if unicodedata.category(ch) not in ("Cc", "Cf")).split())
    if not original:
        return "回复：您的来信"
    lowered = original.lower()
    return (original if lowered.startswith(("回复", "re:", "答复")) else f"回复：{original}")[:200]


AGENT_REPLY_SUBJECT = "云途客服回复：{about}"


def agent_signature(agent_name: str) -> str:
    """How an agent signs a reply sent by e-mail (a person wrote it: no 「系统自动发送」)."""
    return f"云途客服 {agent_name}\n（直接回复本邮件即可继续沟通，也可以在官网的在线客服里查看这条回复。）"


def agent_reply_subject(about: str) -> str:
    """The subject of an agent's e-mailed reply: what the customer left, in short."""
    about = " ".join((about or "").split())
    return AGENT_REPLY_SUBJECT.format(about=(about[:20] + "…") if len(about) > 20 else (about or "您的留言"))


def greeting(name: Optional[str]) -> str:
    return f"{name}，您好：" if name else "您好："


def how_to_apply(site_url: str) -> List[str]:
    """For a sender whose address is not registered with an account: how to apply, nothing else."""
    return [
        "感谢您的来信。为保护账户安全，我们不会通过邮件透露或办理任何账户相关的事项。",
        "申请退款、补充材料或查询进度，请任选一种方式：\n"
        f"1. 登录官网，在「申请退款」页面填写申请并上传材料：{RefundPages(site_url).apply()}\n"
        f"2. 登录官网后，打开页面右下角的「云途退款助手」在线办理：{site_url}/chat\n"
        "3. 使用账户登记的邮箱来信，我们会把办理链接发送到登记邮箱。",
    ]


def apply_links(links: Sequence[tuple]) -> List[str]:
    """(order id or None, url) pairs: the form, prefilled with what the e-mail said."""
    if not links:
        return []
    intro = ("我们收到了您的退款申请。为保护您的账户，退款需要您登录网站后确认金额并提交，"
             "请通过下面的链接打开已按邮件内容预填的申请表：")
    lines = [f"· 订单 {order}：{url}" if order else f"· 申请表：{url}" for order, url in links]
    return [intro, "\n".join(lines), LINK_RULE]


def what_we_read(orders: Sequence[str], reason: Optional[str], when: Optional[str]) -> str:
    """What was read from the e-mail (only the customer's own words, for them to check)."""
    parts = []
    if orders:
        parts.append("订单 " + "、".join(orders))
    if reason:
        parts.append("原因：" + REASON_LABELS.get(reason, reason))
    if when:
        parts.append("故障时间：" + when.replace("T", " ")[:16])
    return ("我们从邮件中读到：" + "；".join(parts) + "。如有不对，可以在申请表中修改。") if parts else ""


def statuses(tickets: Sequence[Ticket], links: Sequence[str], named_missing: Sequence[str]) -> List[str]:
    """The status of the customer's tickets (to their registered address only), each with the
    link to its page."""
    paragraphs = [f"{status_text(ticket)}\n查看详情：{url}" for ticket, url in zip(tickets, links)]
    if named_missing:
        paragraphs.append(f"没有找到您账户下的工单 {'、'.join(named_missing)}，请核对工单号。")
    if not tickets and not named_missing:
        paragraphs.append("您的账户下目前没有退款工单。")
    return ["您的退款进度如下：", *paragraphs] if tickets else paragraphs


def ticket_action_links(action: str, links: Sequence[tuple]) -> List[str]:
    """Withdrawing or appealing is confirmed on the ticket's page after login."""
    verb = {"withdraw": "撤回申请", "appeal": "提出申诉"}[action]
    if not links:
        return [f"如需{verb}，请登录官网，在「我的退款」中打开对应工单办理。"]
    lines = [f"· 工单 {ticket_id}：{url}" for ticket_id, url in links]
    return [f"{verb}需要您登录后在工单页面确认，请通过下面的链接打开：", "\n".join(lines), LINK_RULE]


def handed_to_agent(hours: str) -> str:
    return (f"您的来信已转交人工客服处理，我们会通过这个邮箱回复您。客服工作时间：{hours}。"
            "如需补充说明或材料，直接回复本邮件即可。")


def material_received(ticket_id: str, files: int, with_text: bool) -> str:
    what = "、".join(x for x in (f"{files} 个附件" if files else "", "文字说明" if with_text else "") if x) or "您的来信"
    return f"已收到您为工单 {ticket_id} 补充的{what}，审核人员会尽快查看，有结果会通知您。"


def material_ticket_closed(ticket_id: str) -> str:
    return f"工单 {ticket_id} 已经办结，您的来信已转交人工客服查看。"


def reached_agent() -> str:
    return "您的回复已转给正在处理的人工客服，请耐心等待。"


def attachments_kept(count: int) -> str:
    return f"邮件中的 {count} 个附件已收到并保存，提交申请时会作为材料附上。" if count else ""


def attachments_refused(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    return "以下附件未能接收：\n" + "\n".join(f"· {note}" for note in notes)


def not_understood() -> str:
    return "我们没能确定您需要办理的事项，已转交人工客服，客服会通过这个邮箱回复您。"
