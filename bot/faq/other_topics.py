"""Answers to what is not ours (top-ups, balance withdrawal, invoices, renewals, billing, technical
faults, text messages, other shops' refunds, reviews, the account, buying): what it is, what we can
do, and a person where only a person can help. Every fact comes from the active policy file or the
support hours; none of these answers starts a refund, quotes one or files one.

The topics are those of the out_of_scope blocks in data/nlu/oos_*.yml (`metadata: {topic: ...}`);
the intent classifier names the likeliest one with the parse."""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from bot.policy.config import Policy
from bot.policy.explain import DESTINATION_LABELS

# Below this share of out_of_scope's probability, the topic is a guess: the general answer is given.
MIN_TOPIC_CONFIDENCE = 0.35
GENERAL = ("抱歉，这个问题超出了我的服务范围。我可以帮您：申请退款、查询退款进度、解释退款金额、介绍退款政策，"
           "或者转人工客服。")
PERSON_BUTTONS: List[Dict[str, str]] = [{"title": "转人工客服", "payload": "/request_human"}]


def _person(hours: str) -> str:
    return f"请转人工客服处理（服务时间：{hours}）。"


def _topup(policy: Policy, hours: str) -> str:
    return ("充值和到账不归退款助手处理，充值记录我这里查不到。充值没到账、充错账号或汇款要核对的，" + _person(hours)
            + "已经充进余额的钱不走退款，要拿回来请走余额提现，提到您本人的实名账户。")


def _balance_withdrawal(policy: Policy, hours: str) -> str:
    days = policy.timing.payout_working_days["account_balance"]
    return ("账户余额提现不走退款流程：余额按提现流程提到您本人的实名账户，提现进度和失败原因我这里查不到，"
            f"{_person(hours)}订单退款退回账户余额的，审核通过后约 {days} 个工作日到账。")


def _invoice(policy: Policy, hours: str) -> str:
    return ("开票、改抬头、作废或红冲发票由财务处理，我这里办理不了，" + _person(hours)
            + f"和退款有关的一点：已开票的订单也可以退订，退款退回{DESTINATION_LABELS[policy.invoiced_destination]}，"
              "发票需按财务要求作废或红冲。")


def _renewal(policy: Policy, hours: str) -> str:
    rule = _renewal_rule(policy)
    return ("续费和关闭自动续费我这里不能代为办理，" + _person(hours)
            + "不续费的话，到期后资源会先停机保留一段时间再释放。"
            f"续错了想退的话：{rule}，对我说「我要退款」就能先试算。")


def _billing(policy: Policy, hours: str) -> str:
    return ("扣费明细和账单核对我这里查不到，" + _person(hours)
            + "按量付费用多少付多少，释放后停止计费；包年包月关机不退费。转换计费方式也请找人工。"
              f"到期前自动扣的一笔通常是自动续费：{_renewal_rule(policy)}。被重复扣费的话说「重复扣费了」，我帮您退回。")


def _renewal_rule(policy: Policy) -> str:
    return ("还没开始生效的续费订单可以全额退还，已经生效的按已使用时长折算" if policy.refund_unstarted_renewals
            else "续费订单按已使用时长折算退款")


def _technical(policy: Policy, hours: str) -> str:
    fee = "，因故障退款免收手续费" if "service_issue" in policy.standard.fee_waived_for else ""
    return ("技术问题和故障排查需要技术支持同事来看，" + _person(hours)
            + f"如果故障影响了使用：服务继续用的话，月可用性低于 {policy.sla.commitment_percent}% 可以申请故障补偿（代金券）；"
              f"不想用了也可以因故障申请退款{fee}。")


def _marketing_sms(policy: Policy, hours: str) -> str:
    return "短信的发送、签名模板和退订设置不归退款助手处理，我这里办理不了，" + _person(hours)


def _other_platform(policy: Policy, hours: str) -> str:
    return ("我只能处理在我们这里购买的云服务。拼多多、淘宝、12306 等其他平台的退款，请在对应平台的订单页面申请，"
            "或联系它们的客服。如果是我们的订单，告诉我订单号或是哪台机器，我来帮您看。")


def _review(policy: Policy, hours: str) -> str:
    return "证书签发、内容审核、备案和实名认证的审核不归退款助手处理，审核进度和原因我这里查不到，" + _person(hours)


def _account(policy: Policy, hours: str) -> str:
    return "登录、密码、手机号换绑、实名和子账号这些账号问题我这里办理不了，" + _person(hours)


def _presales(policy: Policy, hours: str) -> str:
    return f"选购、价格和优惠活动以官网的价格页为准，也可以咨询人工客服（服务时间：{hours}），我这里只办理退款相关的事。"


ANSWERS: Dict[str, Callable[[Policy, str], str]] = {
    "topup": _topup, "balance_withdrawal": _balance_withdrawal, "invoice": _invoice, "renewal": _renewal,
    "billing": _billing, "technical": _technical, "marketing_sms": _marketing_sms,
    "other_platform": _other_platform, "review": _review, "account": _account, "presales": _presales,
}
# Topics answered with the general text: nothing of ours to say about them.
GENERAL_TOPICS = frozenset({"everyday"})
TOPICS = frozenset(ANSWERS) | GENERAL_TOPICS


def other_topic_answer(topic: Optional[str], confidence: float, policy: Policy,
                       support_hours: str) -> Tuple[str, List[Dict[str, str]]]:
    """(text, buttons) for a message about `topic`; the general answer when the topic is
    unknown, not ours to speak of, or only guessed."""
    if topic not in ANSWERS or confidence < MIN_TOPIC_CONFIDENCE:
        return GENERAL, []
    return ANSWERS[topic](policy, support_hours), PERSON_BUTTONS
