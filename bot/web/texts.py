"""What the website says to customers (login, uploads), in plain Chinese."""
from __future__ import annotations

PAGE_EXPIRED_LOGIN = "页面已过期，请刷新后重新登录。"
TOO_MANY_LOGINS = "登录失败次数过多，请 10 分钟后再试。"
WRONG_LOGIN = "账号或密码不正确。"
PLEASE_LOG_IN = "请先登录。"
LOGIN_EXPIRED = "登录已过期，请重新登录。"
SIGNED_IN_ELSEWHERE = "此浏览器已退出或换了账号登录，请重新登录。"

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


def upload_too_large(max_files: int, max_mb: int) -> str:
    return f"上传内容过大：一次最多 {max_files} 个文件、每个不超过 {max_mb} MB。"


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
