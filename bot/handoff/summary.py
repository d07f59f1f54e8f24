"""The assistant's summary for the agent: what it collected and what the customer asked."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.policy.quote import Quote
from bot.tickets.labels import REASON_LABELS
from bot.tickets.models import Ticket

SLOT_LABELS = {"order_id": "订单", "refund_reason": "退款原因", "incident_time": "故障时间",
               "incident_instance": "故障实例", "incident_description": "故障描述", "evidence_links": "材料"}


def build_summary(slots: Dict[str, Any], recent_messages: List[str], quote: Optional[Quote],
                  ticket: Optional[Ticket]) -> Dict[str, Any]:
    collected = {}
    for slot, label in SLOT_LABELS.items():
        value = slots.get(slot)
        if value:
            collected[label] = REASON_LABELS.get(value, value) if slot == "refund_reason" else str(value)
    summary: Dict[str, Any] = {"collected": collected, "customer_said": recent_messages[-6:]}
    if quote is not None:
        summary["quote"] = {"eligible": quote.eligible, "rule": quote.rule_label, "refund": f"{quote.refund:.2f}"}
    if ticket is not None:
        summary["ticket"] = {"ticket_id": ticket.ticket_id, "status": ticket.status_label,
                             "quoted_amount": f"{ticket.quoted_amount:.2f}"}
    return summary
