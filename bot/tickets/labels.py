"""The Chinese names of ticket states, refund reasons, rejection reasons and reviewer actions:
what customers, agents and reviewers read instead of the codes in `bot.vocabulary`."""
from __future__ import annotations

from typing import Dict, Tuple

from bot.vocabulary import Actor, RefundReason, RejectionReason, TicketKind, TicketStatus

STATUS_LABELS: Dict[str, str] = {
    TicketStatus.SUBMITTED: "已提交",
    TicketStatus.UNDER_REVIEW: "审核中",
    TicketStatus.NEEDS_INFO: "待补充材料",
    TicketStatus.MANAGER_REVIEW: "待主管审批",
    TicketStatus.APPROVED: "审核通过",
    TicketStatus.REFUNDING: "退款中",
    TicketStatus.REFUNDED: "已到账",
    TicketStatus.REJECTED: "已驳回",
    TicketStatus.APPEALED: "申诉中",
    TicketStatus.FINAL_REJECTED: "申诉未通过",
    TicketStatus.WITHDRAWN: "已撤回",
}

# An SLA claim is paid as a voucher: its last two states are named for that.
VOUCHER_STATUS_LABELS: Dict[str, str] = {**STATUS_LABELS, TicketStatus.REFUNDING: "代金券发放中",
                                         TicketStatus.REFUNDED: "代金券已发放"}

REASON_LABELS: Dict[str, str] = {
    RefundReason.DEMAND_CHANGE: "需求变化",
    RefundReason.SERVICE_ISSUE: "服务质量问题",
    RefundReason.DUPLICATE_PAYMENT: "重复支付",
    RefundReason.WRONG_PURCHASE: "误购（买错配置/地域/时长）",
}

REJECTION_LABELS: Dict[str, str] = {
    RejectionReason.OUTSIDE_POLICY: "不符合退款政策的适用条件",
    RejectionReason.INSUFFICIENT_EVIDENCE: "提供的材料不足以证明所述问题",
    RejectionReason.SERVICE_NORMAL: "经核查，故障期间服务运行正常",
    RejectionReason.DUPLICATE_NOT_FOUND: "未核实到重复扣款",
    RejectionReason.PROMOTION_TERMS: "活动规则约定不可退订",
    RejectionReason.RESOURCE_IN_USE: "资源仍在使用或已产生不可退费用",
    RejectionReason.OTHER: "其他原因",
}

ACTION_LABELS: Dict[str, str] = {
    "take": "领取审核",
    "request_info": "要求补充材料",
    "supplement": "补充材料",
    "approve": "审核通过",
    "approve_for_manager": "初审通过，提交主管审批",
    "manager_approve": "主管审批通过",
    "manager_return": "主管退回重审",
    "reject": "驳回",
    "start_payout": "发起打款",
    "mark_paid": "确认到账",
    "appeal": "申诉",
    "close_appeal_approve": "申诉通过",
    "close_appeal_for_manager": "申诉初审通过，提交主管审批",
    "close_appeal_reject": "维持驳回",
    "withdraw": "撤回",
}

ACTOR_LABELS: Dict[str, str] = {Actor.CUSTOMER: "客户", Actor.REVIEWER: "审核员", Actor.MANAGER: "主管",
                                Actor.SYSTEM: "系统"}

RULE_LABELS: Dict[str, str] = {
    "no_reason_window": "五天无理由退订（全额退实付）",
    "standard": "按已使用时长折算（非全额退订）",
    "unstarted_renewal": "未生效的续费（全额退）",
    "duplicate_payment": "重复扣款退回",
    "payg_not_refundable": "按量付费，不可退",
    "unpaid_items": "有未支付款项",
    "promotional_no_refund": "活动订单约定不可退",
    "transferred": "资源已过户",
    "expired": "服务期已结束",
    "no_duplicate_found": "未找到重复扣款",
    "nothing_left": "可退金额为 0",
    "no_fee_rule": "超出手续费标准，需人工核算",
    "no_reason_some_instances": "部分实例无理由全额退，其余折算",
    "unused_package": "资源包未使用（全额退）",
    "downgrade": "降配退差价（保留资源）",
    "sla_compensation": "SLA 故障补偿（代金券）",
    "sla_met": "当月可用性已达承诺",
    "no_outage_record": "未查到故障记录，需人工核实",
    "not_a_downgrade": "所选配置不低于当前配置",
    "downgrade_unavailable": "不支持降配退款",
    "package_not_refundable": "资源包不可退订",
    "prices_missing": "缺少按量价格，需人工核算",
}

KIND_LABELS: Dict[str, str] = {
    TicketKind.REFUND: "退订退款（释放资源）",
    TicketKind.DOWNGRADE: "降配退款（保留资源）",
    TicketKind.SLA_CLAIM: "SLA 补偿（发放代金券，不退现金）",
}

# A duplicate-payment refund gives back the charge made twice: the service goes on.
DUPLICATE_KIND_LABEL = "重复扣款退款（保留资源，只退多扣的那笔）"

EVIDENCE_LABELS: Dict[str, str] = {"text": "文字说明", "link": "链接", "transaction": "交易流水", "file": "上传文件"}

# What reviewers most often ask customers to add, by what the ticket is about (they can write
# anything else too): a checklist that fits the reason and kind, never 「两笔扣款的交易流水」 on a
# ticket about a wrong purchase.
INFO_REQUESTS_BY_REASON: Dict[str, Tuple[str, ...]] = {
    RefundReason.SERVICE_ISSUE: ("故障期间的截图", "监控图表或日志", "问题发生的具体时间", "出问题的实例 ID"),
    RefundReason.DUPLICATE_PAYMENT: ("两笔扣款的交易流水", "银行或支付平台的扣款记录截图"),
    RefundReason.WRONG_PURCHASE: ("买错的内容（配置、地域或时长）及原本想买的", "下单页面或订单详情截图"),
    RefundReason.DEMAND_CHANGE: ("不再使用的原因说明", "实例已停止使用的确认"),
}
INFO_REQUESTS_BY_KIND: Dict[str, Tuple[str, ...]] = {
    TicketKind.DOWNGRADE: ("确认降配后的目标配置", "实例当前的资源使用情况截图"),
    TicketKind.SLA_CLAIM: ("故障期间的截图", "监控图表或日志", "问题发生的具体时间", "受影响的实例 ID"),
}
PAYMENT_PROOF = "支付凭证"
COMMON_INFO_REQUESTS = tuple(dict.fromkeys(
    [item for items in (*INFO_REQUESTS_BY_REASON.values(), *INFO_REQUESTS_BY_KIND.values()) for item in items]
    + [PAYMENT_PROOF]))


def info_requests_for(kind: str, reason: str) -> Tuple[str, ...]:
    """The materials checklist a reviewer picks from for a ticket of this kind and reason."""
    items = INFO_REQUESTS_BY_KIND.get(kind) or INFO_REQUESTS_BY_REASON.get(reason, ())
    return (*items, PAYMENT_PROOF)
