"""Questions about existing tickets: status, amount, rejection."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import customer_id
from bot.refunds import replies
from bot.tickets.models import Ticket
from bot.wiring import refund_service

NOT_FOUND = "没有找到您名下的该退款工单，请核对工单号（RF 加 12 位数字）。"


def _mentioned_ticket_id(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities", []):
        if entity["entity"] == "ticket_id":
            return str(entity["value"]).upper()
    return None


class _TicketAction(Action, ABC):
    """Shared lookup: the ticket named in the message, or the customer's tickets."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            dispatcher.utter_message(response="utter_login_required")
            return []
        service = refund_service()
        ticket_id = _mentioned_ticket_id(tracker)
        if ticket_id:
            ticket = service.ticket(cid, ticket_id)
            if ticket is None:
                dispatcher.utter_message(text=NOT_FOUND)
            else:
                self.answer_one(dispatcher, tracker, ticket)
            return []
        self.answer_all(dispatcher, tracker, service.tickets_for(cid))
        return []

    @abstractmethod
    def answer_one(self, dispatcher: CollectingDispatcher, tracker: Tracker, ticket: Ticket) -> None:
        """Answer about the ticket the customer named."""

    @abstractmethod
    def answer_all(self, dispatcher: CollectingDispatcher, tracker: Tracker, tickets: List[Ticket]) -> None:
        """Answer when no ticket was named; `tickets` are the customer's, newest first."""


class ActionRefundStatus(_TicketAction):
    def name(self) -> Text:
        return "action_refund_status"

    def answer_one(self, dispatcher, tracker, ticket):
        dispatcher.utter_message(text=replies.ticket_status(ticket))

    def answer_all(self, dispatcher, tracker, tickets):
        if not tickets:
            dispatcher.utter_message(text="您名下暂时没有退款工单。需要现在申请退款吗？",
                                     buttons=[{"title": "申请退款", "payload": "/request_refund"}])
        elif len(tickets) == 1:
            dispatcher.utter_message(text=replies.ticket_status(tickets[0]))
        else:
            dispatcher.utter_message(text=replies.ticket_list(tickets))


class ActionRefundAmount(_TicketAction):
    def name(self) -> Text:
        return "action_refund_amount"

    def answer_one(self, dispatcher, tracker, ticket):
        dispatcher.utter_message(text=replies.quote_explanation_of(ticket))

    def answer_all(self, dispatcher, tracker, tickets):
        order_id, reason = tracker.get_slot("order_id"), tracker.get_slot("refund_reason")
        if tracker.active_loop.get("name") == "refund_form" and order_id and reason:
            quote = refund_service().quote(customer_id(tracker), order_id, reason)
            dispatcher.utter_message(text=quote.explanation)
        elif tracker.active_loop.get("name") == "refund_form":
            dispatcher.utter_message(text="确定订单和退款原因后，我会给您逐项列出可退金额和扣除项。")
        elif tickets:
            dispatcher.utter_message(text=replies.quote_explanation_of(tickets[0]))
        else:
            dispatcher.utter_message(text="您还没有退款工单。想知道某个订单能退多少，说「我要退款」，我会先帮您试算，确认后才提交。")


class ActionAppealRejection(_TicketAction):
    def name(self) -> Text:
        return "action_appeal_rejection"

    def answer_one(self, dispatcher, tracker, ticket):
        if ticket.status not in ("rejected", "final_rejected"):
            dispatcher.utter_message(text=f"工单 {ticket.ticket_id} 目前是「{ticket.status_label}」，并没有被驳回。")
            return
        dispatcher.utter_message(text=self._rejection_text(ticket))

    def answer_all(self, dispatcher, tracker, tickets):
        rejected = [t for t in tickets if t.status in ("rejected", "final_rejected")]
        if not rejected:
            dispatcher.utter_message(text="您名下没有被驳回的退款工单。需要的话我可以帮您查询各工单的进度。",
                                     buttons=[{"title": "查询退款进度", "payload": "/ask_refund_status"}])
            return
        dispatcher.utter_message(text=self._rejection_text(rejected[0]))

    @staticmethod
    def _rejection_text(ticket: Ticket) -> str:
        reason = ticket.details.get("rejection_reason") or "审核人员未填写具体原因"
        return (f"工单 {ticket.ticket_id}（订单 {ticket.order_id}）的审核结果是「{ticket.status_label}」，原因：{reason}。\n"
                "您可以：① 补充材料后请人工复核；② 转人工客服说明情况；"
                "③ 如仍有异议，可申请第三方调解，或通过全国12315平台向消费者权益保护部门反映。")
