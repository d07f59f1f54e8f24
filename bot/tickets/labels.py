"""The Chinese names of ticket states, refund reasons, rejection reasons and reviewer actions:
what customers, agents and reviewers read instead of the codes in `bot.vocabulary`."""
from __future__ import annotations

from typing import Dict

from bot.vocabulary import Actor, RefundReason, RejectionReason, TicketStatus

STATUS_LABELS: Dict[str, str] = {
    TicketStatus.SUBMITTED: "已提交",
    TicketStatus.UNDER_REVIEW: "审核中",
    TicketStatus.NEEDS_INFO: "待补充材料",
    TicketStatus.APPROVED: "审核通过",
    TicketStatus.REFUNDING: "退款中",
    TicketStatus.REFUNDED: "已到账",
    TicketStatus.REJECTED: "已驳回",
    TicketStatus.APPEALED: "申诉中",
    TicketStatus.FINAL_REJECTED: "申诉未通过",
    TicketStatus.WITHDRAWN: "已撤回",
}

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
    "reject": "驳回",
    "start_payout": "发起打款",
    "mark_paid": "确认到账",
    "appeal": "申诉",
    "close_appeal_approve": "申诉通过",
    "close_appeal_reject": "维持驳回",
    "withdraw": "撤回",
}

ACTOR_LABELS: Dict[str, str] = {Actor.CUSTOMER: "客户", Actor.REVIEWER: "审核员", Actor.SYSTEM: "系统"}
