"""What the website says to customers (login, uploads), in plain Chinese."""
from __future__ import annotations

PAGE_EXPIRED_LOGIN = "页面已过期，请刷新后重新登录。"
TOO_MANY_LOGINS = "登录失败次数过多，请 10 分钟后再试。"
WRONG_LOGIN = "账号或密码不正确。"
PLEASE_LOG_IN = "请先登录。"
LOGIN_EXPIRED = "登录已过期，请重新登录。"
SIGNED_IN_ELSEWHERE = "此浏览器已退出或换了账号登录，请重新登录。"
NO_SUCH_RECORD = "没有找到这条记录，请检查链接是否完整。"

CONTACT_NEED_MESSAGE = "请简单写一下需要客服帮您处理的问题。"
CONTACT_NEED_PHONE = "请填写 11 位手机号码，方便客服联系您。"
CONTACT_TOO_OFTEN = "提交过于频繁，请稍后再试。"

UPLOAD_LINK_INVALID = "上传链接无效或已过期，请回到聊天窗口重新获取。"
UPLOAD_LINK_NOT_YOURS = "该上传链接不属于当前登录的账号。"
UPLOAD_TICKET_CLOSED = "该工单已结束（已撤回、已退款或申诉已结束），不能再上传材料。如有新的问题，请回到聊天窗口咨询。"
UPLOAD_PAGE_EXPIRED = "页面已过期，请刷新后重新上传。"
UPLOAD_TOO_OFTEN = "上传过于频繁，请稍后再试。"
UPLOAD_NOTHING_CHOSEN = "请先选择要上传的文件。"
UPLOAD_MALFORMED = "上传没有完成（内容不完整或格式有误），请刷新页面后重新上传。"
FORM_MALFORMED = "提交的内容不完整或格式有误，没有被接收。请刷新页面后重新提交。"


def upload_too_large(max_files: int, max_size: str) -> str:
    return f"上传内容过大：一次最多 {max_files} 个文件、每个不超过 {max_size}。"


def upload_too_many(max_files: int) -> str:
    return f"一次最多上传 {max_files} 个文件，多出的文件没有上传。"


def upload_received(filenames: list) -> str:
    """Said in the chat once files arrived."""
    return f"已收到您上传的 {len(filenames)} 个文件：{'、'.join(filenames)}。"

# One-time links mailed to a registered address (bot/mail/links.py), by why they cannot be used.
MAIL_LINK_REFUSED = {
    "forged": "这个链接无效。请使用邮件中的完整链接，或直接在网站上办理。",
    "expired": "这个链接已过期（邮件中的链接 3 天内有效）。您可以直接在网站上办理，或重新来信获取新链接。",
    "used": "这个链接已经使用过（每个链接只能使用一次）。您可以直接在网站上办理。",
    "not_yours": "这个链接属于另一个账户，当前登录的账户不能使用。如需办理，请退出后用收到邮件的账户登录。",
}

# --- the customer's refund pages (bot/web/refund_pages.py) ---------------------------------------

REFUNDS_PAGE_EXPIRED = "页面已过期，请刷新后重试（您填写的内容还在下面）。"
REFUNDS_TOO_OFTEN = "操作过于频繁，请稍后再试。"
TICKET_NOT_FOUND = "没有找到您名下的这个退款工单，请从「我的退款」列表中打开。"
FILE_NOT_FOUND = "没有找到这个文件，它可能已按保存期限清理。"
ACTION_NOT_NOW = "工单当前为「{status}」，不能{action}。页面已刷新为最新状态。"
ACTION_NAMES = {"supplement": "补充材料", "appeal": "提出申诉", "withdraw": "撤回", "chase": "催办"}
SUPPLEMENT_EMPTY = "请填写补充说明，或选择要上传的文件。"
SUPPLEMENT_TOO_SHORT = "请再具体说明一下要补充的内容。"
APPEAL_TOO_SHORT = "请用一两句话说明您不认同审核结果的理由（至少 4 个字）。"
TEXT_TOO_LONG = "内容请不要超过 2000 字。"
NOT_OVERDUE = "该工单没有超过承诺时间，或这次超期已经催办过，无需再催。"
WITHDRAW_CONFIRM_NEEDED = "请勾选「确认撤回」后再提交。"
CHANGE_FAILED = "抱歉，系统繁忙，这次没有处理成功，工单没有任何变化。您填写的内容还在，请稍后重试。"
FILES_UPLOADED = "网页上传了 {count} 个文件：{names}"
DONE = {
    "filed": "申请已提交，审核人员会按承诺时间处理；进展会显示在这里，也可以随时在在线客服里问「退款到哪了」。",
    "found": "这个订单的申请已经提交过，没有重复提交。下面是它的进展。",
    "supplement": "补充材料已提交，工单已重新进入审核。",
    "appeal": "申诉已提交，复核人员会在承诺时间内给出结果。",
    "withdraw": "申请已撤回，审核已停止。需要的话可以重新申请。",
    "chase": "已为您催办，新的承诺时间见下方。",
}
AGENT_FOLLOWS = "这个申请需要人工重点跟进，客服会在服务时间内联系您；也可以到「在线客服」直接咨询。"
YOUR_TURN = {"needs_info": "请补充材料", "rejected": "查看原因 / 申诉"}  # what 「我的退款」 asks the customer to do


def action_not_now(status: str, action: str) -> str:
    return ACTION_NOT_NOW.format(status=status, action=ACTION_NAMES.get(action, action))


def files_uploaded(names: list) -> str:
    """The evidence line a web supplement or appeal with files adds (reviewers read it)."""
    return FILES_UPLOADED.format(count=len(names), names="、".join(names))

# A ticket's timeline as its customer reads it (reviewer-only notes are left out).
TIMELINE = {
    "filed": "提交申请", "take": "审核人员开始审核", "request_info": "审核人员请您补充材料",
    "supplement": "您补充了材料", "resume_review": "审核人员确认材料已收齐，继续审核",
    "approve": "审核通过", "approve_for_manager": "初审通过；金额较大，等待主管审批", "manager_approve": "主管审批通过",
    "manager_return": "主管要求重新审核", "reject": "审核未通过", "start_payout": "开始退款", "mark_paid": "退款已到账",
    "appeal": "您提出了申诉", "close_appeal_approve": "申诉通过", "close_appeal_for_manager": "申诉初审通过，等待主管审批",
    "close_appeal_reject": "申诉复核未通过", "withdraw": "您撤回了申请", "escalated": "已催办",
}
VOUCHER_TIMELINE = {**TIMELINE, "start_payout": "开始发放代金券", "mark_paid": "代金券已发放"}
# The events whose note was written for the customer (the rest are the reviewers' own).
TIMELINE_NOTES = frozenset({"filed", "request_info", "reject", "close_appeal_reject", "mark_paid", "appeal"})
NOTE_LABELS = {"request_info": "审核人员的说明", "reject": "说明", "close_appeal_reject": "说明", "appeal": "申诉理由",
               "mark_paid": "交易参考号", "filed": "渠道"}
VOUCHER_NOTE_LABELS = {**NOTE_LABELS, "mark_paid": "代金券编号"}
DUE_LABELS = {"submitted": "预计审核完成", "under_review": "预计审核完成", "manager_review": "预计主管审批完成",
              "approved": "预计到账", "refunding": "预计到账", "appealed": "预计申诉结果"}
VOUCHER_DUE_LABELS = {**DUE_LABELS, "approved": "预计发放", "refunding": "预计发放"}
AMOUNT_LABELS = {"refund": "退款金额", "downgrade": "降配差价", "sla_claim": "补偿代金券"}
EVIDENCE_KINDS = {"text": "文字说明", "link": "链接", "transaction": "交易流水", "file": "文件"}

# Errors no page answered itself (bot/web/error_pages.py): what the framework would say in English.
HTTP_ERRORS = {
    400: "请求的格式不正确，请返回上一页刷新后重试。",
    404: "没有找到这个页面，请检查链接是否完整，或从「我的退款」重新进入。",
    405: "这个页面不能这样打开，请使用页面上的按钮或链接。",
    408: "请求超时，请检查网络后重试。",
    413: "提交的内容或链接过长，没有被接收。请减少内容后重试。",
    414: "链接过长，没有被接收。请从页面上的链接重新进入。",
    429: "操作过于频繁，请稍后再试。",
}
HTTP_ERROR_OTHER = "请求没有被接收，请返回上一页重试。"
HTTP_ERROR_SERVER = "服务暂时出现问题，请稍后再试。如果一直无法办理，请联系在线客服。"
HTTP_ERROR_TITLE = "无法打开这个页面"
