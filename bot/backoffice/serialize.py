"""Tickets as JSON for the back office."""
from __future__ import annotations

from typing import Any, Dict

from bot.tickets.models import Ticket


def ticket_json(ticket: Ticket) -> Dict[str, Any]:
    def money(value):
        return f"{value:.2f}" if value is not None else None

    return {
        "ticket_id": ticket.ticket_id, "customer_id": ticket.customer_id, "order_id": ticket.order_id,
        "status": ticket.status, "status_label": ticket.status_label, "reason": ticket.reason,
        "rule": ticket.rule, "manual_review": ticket.manual_review,
        "kind": ticket.kind, "kind_label": ticket.kind_label, "pays_voucher": ticket.pays_voucher,
        "quoted_amount": money(ticket.quoted_amount), "final_amount": money(ticket.final_amount),
        "adjustment_reason": ticket.adjustment_reason, "stage_due": ticket.stage_due.isoformat() if ticket.stage_due else None,
        "reviewer_id": ticket.reviewer_id, "info_requested": list(ticket.info_requested),
        "rejection_code": ticket.rejection_code, "rejection_note": ticket.rejection_note,
        "appeal_statement": ticket.appeal_statement, "payout_reference": ticket.payout_reference,
        "paid_at": ticket.paid_at.isoformat() if ticket.paid_at else None,
        "created_at": ticket.created_at.isoformat(), "updated_at": ticket.updated_at.isoformat(),
        "quote": ticket.quote, "details": ticket.details,
        "evidence": [{"kind": e.kind, "content": e.content, "at": e.created_at.isoformat()} for e in ticket.evidence],
        "events": [{"at": e.at.isoformat(), "actor": e.actor, "from": e.from_status, "to": e.to_status,
                    "reason_code": e.reason_code, "note": e.note} for e in ticket.events],
    }
