"""What the channels themselves answer, before the assistant sees a message."""
from __future__ import annotations

MAX_MESSAGE_CHARS = 2000
TOO_LONG = "您的消息太长了（超过 2000 字），请分几次发送，或把要点发给我。"
EMPTY = "您好像发送了一条空消息，请输入您想咨询的问题。"
TOO_FAST = "您发送得太快了，请稍等片刻再发。"
TOO_MANY_CONVERSATIONS = "新对话开得太频繁了，请过几分钟再开始新的对话。如需帮助，也可以[留言](/contact)给客服。"
NO_SESSION = "连接尚未就绪，请刷新页面后再试。"
MALFORMED = "抱歉，这条消息的格式无法识别，请重新输入。"
SESSION_ENDED = "您已退出登录或登录已过期，请[重新登录](/login?next=/chat)后再继续咨询。"
TEMPORARY_FAILURE = "抱歉，系统暂时出了点问题，没能处理您刚才的消息。您之前填写的内容都还保留着，请稍后再发一次。"
