"""Customer-facing Chinese texts for keeping the resource: a downgrade quote (降配退款) and an SLA
compensation claim, plus how a typed configuration ("降到2核4G") picks one of the offers."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

from bot.billing.models import Order, Spec
from bot.money import format_yuan
from bot.policy.config import Policy
from bot.policy.quote import Quote
from bot.refunds.pages import RefundPages
from bot.refunds.replies import order_title
from bot.tickets.models import Ticket
from bot.vocabulary import TicketKind

CONFIRM_BUTTONS = [{"title": "确认提交", "payload": "/affirm"}, {"title": "先不用了", "payload": "/deny"}]
STILL_CLAIM_BUTTONS = [{"title": "仍然提交", "payload": "/affirm"},
                       {"title": "转人工客服", "payload": "/request_human"}, {"title": "先不用了", "payload": "/deny"}]
HUMAN_BUTTONS = [{"title": "转人工客服", "payload": "/request_human"}, {"title": "没问题了", "payload": "/thank"}]

WHICH_TO_DOWNGRADE = "您想给哪台服务器降低配置？选择后我先帮您试算能退回多少差价："
NO_DOWNGRADE_ORDERS = ("您名下没有可以在线降配的包年包月资源（按量付费的资源可以直接在控制台调整配置，按新配置计费）。"
                       "如果是整个不想用了，可以说「申请退款」。")
NO_CHEAPER_SPEC = "订单 {order_id}（{name}）已经是该产品最低的配置，无法再降配。需要的话我可以帮您试算退订退款。"
WHICH_SPEC = ("订单 {order_id}（{name}，当前 {price}/月）可以降为以下配置，降配后实例和数据保留、到期时间不变，"
              "差价{where}。想降到哪一档？")
SPEC_NOT_OFFERED = "没有找到「{typed}」这档配置，请从下面的配置中选择："
DOWNGRADE_CONFIRM = "以上金额以审核结果为准。确认提交降配申请吗？"
COMPENSATION_NEXT = "您提到的故障补偿，这笔降配确认后说「补偿」，我接着按故障记录帮您计算。"
UPGRADE_IN_CONSOLE = ("升级配置（升配）不走退款：请在控制台的实例详情页选择「变配」→「升级配置」，"
                      "选好新配置后按剩余时长补交差价，实例和数据保留、到期时间不变。我这里可以办理降配退差价、退订退款和故障补偿，需要的话告诉我。")
DOWNGRADE_GUEST = ("可以降配：包年包月的服务器在到期前可以降低配置，实例和数据保留，按剩余时长退还新旧配置的差价"
                   "（{method}），{where}。登录后我可以按您的订单逐项试算能退多少。")
DOWNGRADE_METHODS = {
    "refund_then_buy": "原配置按使用时长结算剩余价值，再扣除新配置剩余时长的费用",
    "price_ratio": "原配置剩余价值按新旧配置价格比例退还差价部分",
    "price_difference": "新旧配置月价差 × 剩余月数 × 折扣",
}

WHICH_OUTAGE_ORDER = "请问是哪台服务器出了故障？选择后我按故障记录帮您计算补偿："
NO_SERVICE_ORDERS = "您名下没有正在服务期内的包年包月资源，无法申请 SLA 补偿。如需帮助可以转人工客服。"
SLA_CONFIRM = "补偿以审核确认为准。确认提交补偿申请吗？"
NO_OUTAGE_RECORD = ("我们在申请期限内没有查到订单 {order_id}（{name}）的故障记录。"
                    "如果您确实遇到了服务中断，可以提交给审核人员人工核实，请尽量说明发生时间和现象"
                    "（有截图或监控记录可以之后补充）。")
SLA_MET = ("按故障记录，订单 {order_id}（{name}）{month}的可用性为 {availability}%，"
           "仍达到 {commitment}% 的服务承诺，因此不产生 SLA 补偿。如果故障给您造成了超出承诺范围的损失，"
           "可以转人工客服，由专人评估。")
SLA_GUEST = ("可以申请：当月可用性低于服务承诺 {commitment}% 时，按当月费用发放补偿代金券（{tiers}，最高当月费用），"
             "服务照常运行、不需要退订；请在故障所在月份结束后 {days} 天内申请。登录后我可以按故障记录帮您计算。")
CHANGE_DECLINED = "好的，不做变更，您的服务保持不变。还有其他可以帮您的吗？"
NOTHING_PENDING = "目前没有等待您确认的降配或补偿申请。想降低配置或申请故障补偿的话，直接告诉我即可。"
QUOTE_CHANGED = "报价和您刚才看到的不一致（订单或账单情况有变化），所以还没有提交。以下是最新的报价："
CHANGED_SINCE_QUOTE = "订单情况刚刚发生了变化，已无法按刚才的试算提交。请重新发起，我会按最新情况为您计算。"


def downgrade_guest(policy: Policy) -> str:
    """How downgrades are refunded, for someone not signed in."""
    return DOWNGRADE_GUEST.format(method=DOWNGRADE_METHODS[policy.downgrade.method], where=_refund_goes(policy))


def _refund_goes(policy: Policy) -> str:
    where = "以赠送金形式退回账户余额" if policy.downgrade.destination == "gift_credit" else "退回账户余额"
    return where + ("；差价为 0 时降配照常办理，只是不退款" if policy.downgrade.allow_zero_refund else "")


def sla_guest(policy: Policy) -> str:
    """How SLA compensation works, for someone not signed in."""
    sla = policy.sla
    tiers = "，".join(f"低于 {t.below_percent}% 补偿 {t.compensation_percent:g}%"
                     for t in sorted(sla.tiers, key=lambda t: -t.below_percent))
    return SLA_GUEST.format(commitment=sla.commitment_percent, tiers=tiers, days=sla.claim_window_days)


def order_buttons(orders: Sequence[Order], intent: str) -> List[Dict[str, Any]]:
    """One button per order that asks `intent` again about that order."""
    return [{"title": order_title(o), "payload": f'/{intent}{{"order_id": "{o.order_id}"}}'} for o in orders[:8]]


def spec_buttons(order: Order, specs: Sequence[Spec]) -> List[Dict[str, Any]]:
    """One button per cheaper configuration, with its monthly list price."""
    return [{"title": f"{s.name}（{format_yuan(s.monthly_price)}/月）",
             "payload": f'/request_downgrade{{"order_id": "{order.order_id}", "spec_code": "{s.spec_code}"}}'}
            for s in specs]


def which_spec(order: Order, policy: Policy) -> str:
    name = order.spec_name or order.product_name
    return WHICH_SPEC.format(order_id=order.order_id, name=name, price=format_yuan(order.list_monthly_price),
                             where=_refund_goes(policy))


def sla_not_due(quote: Quote, order: Order, policy: Policy) -> str:
    """Why there is no compensation (met the commitment, or no outage on record)."""
    name = order.product_name
    if quote.rule == "sla_met":
        month = f"{quote.sla_month[:4]} 年 {int(quote.sla_month[5:])} 月" if quote.sla_month else "当月"
        return SLA_MET.format(order_id=order.order_id, name=name, month=month, availability=quote.sla_availability,
                              commitment=policy.sla.commitment_for(order.product_code))
    return NO_OUTAGE_RECORD.format(order_id=order.order_id, name=name)


def change_filed(ticket: Ticket, pages: Optional[RefundPages] = None) -> str:
    """What the customer reads once a downgrade or SLA claim is filed."""
    amount = format_yuan(ticket.quoted_amount)
    page = f"进展也可以在[我的退款]({pages.ticket(ticket.ticket_id)})里查看。" if pages is not None else ""
    if ticket.manual_review:
        return (f"已提交给审核人员人工核实，工单号 {ticket.ticket_id}。核实后会在这里和站内信通知您结果，"
                f"您也可以随时说「查询进度」。如有截图或监控记录，可以回复「补充材料」。{page}")
    if ticket.kind == TicketKind.SLA_CLAIM:
        return (f"已提交 SLA 补偿申请，工单号 {ticket.ticket_id}。审核通过后 {amount} 代金券会发放到您的账户，"
                f"可抵扣后续费用（不可提现），服务照常运行。您可以随时说「查询进度」。{page}")
    spec = ticket.quote.get("target_spec") or "新配置"
    if ticket.quoted_amount == 0:
        money = "按规则不退款"
    else:
        where = "以赠送金形式退回账户余额" if ticket.quote.get("destination") == "gift_credit" else "退回账户余额"
        money = f"差价 {amount}（以审核结果为准）{where}"
    return (f"已提交降配申请，工单号 {ticket.ticket_id}。审核通过后配置变为「{spec}」，实例和数据保留，"
            f"{money}。您可以随时说「查询进度」。{page}")


SPEC_WORDS = re.compile(r"(\d+)\s*核\s*(\d+)\s*[gG]")


def size_of(name: str) -> Optional[str]:
    """A configuration's size as the NLU writes it ("2核4G" → "2c4g"), or None."""
    size = SPEC_WORDS.search(name or "")
    return f"{int(size.group(1))}c{int(size.group(2))}g" if size else None


def size_label(clue: str) -> str:
    """How a customer writes a size clue: "2c4g" → "2核4G" (anything else as it came)."""
    found = re.fullmatch(r"(\d+)c(\d+)g", clue.lower())
    return f"{found.group(1)}核{found.group(2)}G" if found else clue


def bigger_size(clue: str, current: Optional[str]) -> bool:
    """The size clue ("8c16g") is bigger than `current` ("2c4g"): cores or memory up, neither down."""
    typed, now = re.fullmatch(r"(\d+)c(\d+)g", clue.lower()), re.fullmatch(r"(\d+)c(\d+)g", (current or "").lower())
    if not typed or not now:
        return False
    cores, gigs = int(typed.group(1)) - int(now.group(1)), int(typed.group(2)) - int(now.group(2))
    return cores >= 0 and gigs >= 0 and (cores, gigs) != (0, 0)


def chosen_spec(options: Sequence[Spec], spec_code: Optional[str], spec_clues: Sequence[str]) -> Optional[Spec]:
    """The offered configuration the customer picked: by a button's code, or by a size they
    typed (the NLU's `spec` clues, e.g. "2c4g" for 「2核4G」; 「从4核8G降到2核4G」 has two, and
    only an offered one counts)."""
    if spec_code:
        return next((s for s in options if s.spec_code == spec_code), None)
    for clue in spec_clues:
        found = next((s for s in options if size_of(s.name) == clue.lower()), None)
        if found is not None:
            return found
    return None
