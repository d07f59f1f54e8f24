"""Answers to refund-policy questions, generated from the active policy file: change the policy
and the answers change with it."""
from __future__ import annotations

from typing import Callable, Dict, Optional

from bot.money import format_yuan
from bot.nlu.order_words import PRODUCT_WORDS
from bot.policy.config import Policy
from bot.policy.explain import DESTINATION_LABELS
from bot.refunds.pages import RefundPages

MORE = "想知道某个订单具体能退多少，直接说「我要退款」，我来帮您试算（确认后才会提交）。"
# What customers call each product family, for answers about "can X be refunded?".
PRODUCT_NAMES = {"lighthouse": "轻量应用服务器", "ecs": "云服务器", "rds": "云数据库", "cdn": "CDN 流量包"}
CHECK_MY_ORDERS_BUTTONS = [{"title": "看看我的订单能退多少", "payload": "/request_refund"},
                           {"title": "了解完整退款政策", "payload": "/ask_refund_policy"}]


def window_length(policy: Policy) -> str:
    window = policy.no_reason
    if window.calendar_days:
        return f"开通后 {window.calendar_days} 天内（含开通当天）"
    hours = int(window.length.total_seconds() // 3600)
    return f"开通后 {hours // 24} 天（{hours} 小时）内" if hours % 24 == 0 else f"开通后 {hours} 小时内"


def _quota(policy: Policy) -> str:
    scope = "每个产品" if policy.no_reason.quota_scope == "product" else "每个账号"
    return f"{scope}每个自然年可使用 {policy.no_reason.quota} 次无理由退订"


def _no_reason(policy: Policy) -> str:
    if not policy.no_reason.enabled:
        return "当前政策不提供无理由退订，退款按已使用时长折算。"
    vouchers = "代金券以代金券形式退回" if policy.no_reason.returns_vouchers else "代金券、优惠券抵扣的部分不退"
    return (f"新购的包年包月资源，{window_length(policy)}申请可全额退还实付金额（{vouchers}）。"
            f"{_quota(policy)}；续费、升级订单和由按量付费转来的订单不适用。")


def _quota_answer(policy: Policy) -> str:
    return f"{_quota(policy)}。名额用完后仍可申请退订，但会按已使用时长折算并扣除相应费用。"


def _payg(policy: Policy) -> str:
    return "按量付费的资源是用多少付多少，已产生的费用不支持退款。不再需要时请在控制台释放资源，释放后立即停止计费。"


def _vouchers(policy: Policy) -> str:
    std = policy.standard
    voucher = "以代金券形式退回" if std.returns_vouchers else "不予退还"
    coupon = "以优惠券形式退回" if std.returns_coupons else "不予退还"
    window = "；无理由退订时代金券以代金券形式退回" if policy.no_reason.returns_vouchers else ""
    return (f"订单由现金、赠送金、代金券、优惠券共同支付时，退款按支付比例拆分：代金券部分{voucher}，优惠券部分{coupon}"
            f"{window}；赠送金按比例退回账户，现金部分按退款去向退回。")


def _promotions(policy: Policy) -> str:
    parts = []
    if "promotional_no_refund" in policy.exclusions:
        parts.append("活动规则注明不可退订的促销订单不支持退订")
    if "transferred" in policy.exclusions:
        parts.append("已过户的资源不支持退订")
    if "unpaid_items" in policy.exclusions:
        parts.append("有未支付款项的订单需先结清")
    text = "；".join(parts) or "促销订单按普通订单规则退订"
    return f"{text}。如您认为情况特殊，仍可提交申请，由人工审核复核。"


def _materials(policy: Policy) -> str:
    return ("所有申请都需要订单号；服务故障请提供发生时间、出问题的实例、现象描述，以及截图或日志；"
            "重复扣款请提供两笔交易记录（我会从账单中直接帮您找出）。材料可以在聊天中通过上传链接提交。")


def _destination(policy: Policy) -> str:
    return (f"默认退回{DESTINATION_LABELS[policy.default_destination]}；已开票的订单退回"
            f"{DESTINATION_LABELS[policy.invoiced_destination]}；赠送金部分退回账户。")


def _timing(policy: Policy) -> str:
    timing = policy.timing
    approval = (f"同一订单累计退款超过 {format_yuan(policy.manager_approval_above)} 时，审核通过后还需另一位主管审批"
                f"（约 1 个工作日）。"
                if policy.manager_approval_above is not None else "")
    return (f"提交后约 {timing.review_working_days} 个工作日内完成审核；审核通过后，原路退回约 "
            f"{timing.payout_working_days['original_route']} 个工作日到账，退回账户余额约 "
            f"{timing.payout_working_days['account_balance']} 个工作日。工作日不含周末和法定节假日。{approval}")


def _fees(policy: Policy) -> str:
    std = policy.standard
    lines = []
    if std.fee_tiers:
        tiers = "；".join(f"{t.term_months_max} 个月以内的期限按已使用年数收取 " + "/".join(f"{p:g}%" for p in t.percent_by_year)
                         for t in std.fee_tiers)
        lines.append(f"超出无理由期限的退订收取手续费：{tiers}。")
    else:
        lines.append("退订不收取手续费。")
    if std.fee_waived_for:
        lines.append("因服务质量问题退款时免收手续费。")
    if std.non_refundable_items:
        lines.append("配置变更费、增值服务费等费用不予退还。")
    return "".join(lines)


def _consumed(policy: Policy) -> str:
    std = policy.standard
    if std.method == "monthly_plus_hourly":
        how = "已用满的整月按月单价×折扣计算，不足一个月的部分按按量计费的小时价格（阶梯价）计算"
    else:
        unit = "小时" if std.unit == "hour" else "天"
        partial = f"，不足 1 {unit}按 1 {unit}计" if std.partial_unit_counts_full else ""
        how = f"按已使用{unit}数占服务期的比例折算{partial}"
    return f"超出无理由期限后，退款 = 实付金额 − 已使用部分 − 不可退费用 − 手续费，最低为 0 元；已使用部分{how}。"


def _renewal(policy: Policy) -> str:
    if policy.refund_unstarted_renewals:
        return "尚未开始生效的续费订单可以全额退还；已经生效的续费订单按已使用时长折算，不适用无理由退订。"
    return "续费订单不适用无理由退订，按已使用时长折算退款。"


def _sla(policy: Policy) -> str:
    sla = policy.sla
    ordered = sorted(sla.tiers, key=lambda t: -t.below_percent)
    tiers = "；".join(f"低于 {t.below_percent}% 补偿 {t.compensation_percent:g}%" for t in ordered)
    return (f"我们承诺月可用性 {sla.commitment_percent}%。未达到时按当月费用补偿代金券：{tiers}，最高不超过当月费用；"
            f"请在故障所在月份结束后 {sla.claim_window_days} 天内申请，服务照常运行、不需要退订。"
            "对我说「申请故障补偿」，我会按故障记录帮您计算并提交。因故障申请退款时免收手续费。")


def _duplicate(policy: Policy) -> str:
    return "重复扣款在账单中核实后全额退回重复的那一笔。直接告诉我「重复扣费了」，我会帮您从账单中找出两笔交易。"


def _invoiced(policy: Policy) -> str:
    return f"已开票的订单也可以退订，退款退回{DESTINATION_LABELS[policy.invoiced_destination]}，发票需按财务要求作废或红冲。"


def _disputes(policy: Policy) -> str:
    return ("避免纠纷的建议：购买前阅读产品的退订条款；按需选择配置和时长，不需要的资源及时释放或降配；"
            "遇到问题尽早联系客服并保留截图、日志等记录。对审核结果有异议可以申诉；仍不满意可申请第三方调解，"
            "或通过全国12315平台向消费者权益保护部门反映。")


def channels(support_hours: str, pages: RefundPages) -> str:
    """How a refund can be applied for: here, the website's application form (the ticket
    system), and people for complex cases."""
    return ("申请退款可以走这几种渠道：\n"
            "· 在这里直接申请：我会帮您找到订单、逐项试算，您确认后立即生成退款工单，进度随时可以问我；\n"
            f"· 在网站的[申请退款]({pages.apply()})页面自己填写：选择订单、上传材料、看过逐项报价后提交；"
            f"进度在[我的退款]({pages.my_refunds()})里查看，也可以在那里补充材料、撤回或申诉；\n"
            "· 情况复杂的（多个订单、合同订单、大额退款）可以找人工客服，也可以留言或预约电话回访，客服会联系您；"
            f"人工客服服务时间：{support_hours}。\n"
            "各渠道的退款规则和审核标准完全一样。现在就办理的话，说「我要退款」即可。")


def pause_release(policy: Policy) -> str:
    """Stopping, releasing, downgrading and auto-renewal: what each does to billing."""
    return ("包年包月的资源不能暂停计费：关机不会退费，也不会顺延到期时间；不再需要可以退订，按退款规则计算可退金额"
            "（我可以先帮您试算）。配置买大了可以降配：实例和数据保留、到期时间不变，按剩余时长退还新旧配置的差价，"
            "对我说「我想降配」就能先试算。\n"
            "按量付费的资源释放后立即停止计费，已产生的费用不退；只关机时云盘、公网 IP 等仍会计费。\n"
            "释放前请先备份数据，释放后数据无法恢复。不想续费的话，关闭该资源的自动续费即可（需要帮忙可以转人工客服），"
            "到期后资源会先停机保留一段时间再释放。")


def payout_account(policy: Policy) -> str:
    """Where the money is paid and whether the account can be changed."""
    return (f"退款按政策退回{DESTINATION_LABELS[policy.default_destination]}"
            f"（已开票的订单退回{DESTINATION_LABELS[policy.invoiced_destination]}），"
            "为了资金安全，不能改为退到他人或其他第三方账户。\n"
            "如果原支付账户已注销、冻结或无法入账，款项会退到您的云途账户余额，您再按提现流程提到本人实名账户；"
            "需要核实身份或对公账户的情况，请转人工客服处理。")


ANSWERS: Dict[str, Callable[[Policy], str]] = {
    "no_reason_window": _no_reason, "quota": _quota_answer, "payg": _payg, "vouchers": _vouchers,
    "promotions": _promotions, "materials": _materials, "destination": _destination, "timing": _timing,
    "fees": _fees, "consumed": _consumed, "renewal": _renewal, "sla": _sla, "duplicate": _duplicate,
    "invoiced": _invoiced, "disputes": _disputes,
}


def product_named(text: str) -> Optional[str]:
    """The product family a question names, as customers read it (「云主机能退吗」 → 云服务器)."""
    lowered = (text or "").lower()
    for words, codes in PRODUCT_WORDS:
        if any(word in lowered for word in words):
            return PRODUCT_NAMES[sorted(codes)[0]] if len(codes) == 1 else "云服务器"
    return None


def product_answer(product: str, policy: Policy) -> str:
    """Two lines for "can I get a refund for X?": the rule for X, and the offer to check the
    customer's own orders."""
    std = policy.standard
    fees = "不可退费用和手续费" if std.fee_tiers else "不可退费用"
    window = (f"新购{window_length(policy)}申请可无理由全额退还实付金额；" if policy.no_reason.enabled else "")
    return (f"{product}（包年包月）可以退订：{window}超出期限按已使用时长折算，扣除{fees}后退还剩余部分；"
            f"按量付费的{product}不退款，释放后即停止计费。\n"
            f"要我帮您看看您名下的{product}订单具体能退多少吗？试算不会提交申请。")


def answer(topic: str, policy: Policy) -> str:
    """The answer for one topic (the overview for general questions), with the offer to quote."""
    if topic not in ANSWERS:
        return policy_summary(policy)
    return f"{ANSWERS[topic](policy)}\n{MORE}"


def policy_summary(policy: Policy) -> str:
    """An overview of the whole policy, for general questions."""
    lines = [f"我们的退款政策（{policy.name}）要点："]
    if policy.no_reason.enabled:
        lines.append("· 无理由退订：" + _no_reason(policy))
    lines.append("· 超出期限：" + _consumed(policy))
    lines.append("· 费用：" + _fees(policy))
    lines.append("· " + _payg(policy))
    lines.append("· " + _promotions(policy))
    lines.append("· 退款去向：" + _destination(policy))
    lines.append("· 时效：" + _timing(policy))
    lines.append("· 材料：" + _materials(policy))
    lines.append(MORE)
    return "\n".join(lines)
