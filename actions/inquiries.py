"""Questions about existing tickets: status (with escalation), amount, rejection, withdrawal,
and what changed since the customer's last visit."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off
from actions.identity import customer_id
from bot.policy.explain import deduction_section
from bot.refunds import replies, ticket_replies
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.models import Ticket
from bot.wiring import refund_service, ticket_workflow

NOT_FOUND = "没有找到您名下的该退款工单，请核对工单号（RF 加 12 位数字）。"
WITHDRAWABLE = ("submitted", "under_review", "needs_info")
# After an amount is explained: a person for a claim beyond the policy, or a formal complaint.
AMOUNT_BUTTONS = [{"title": "转人工申请复核或赔偿", "payload": "/request_human"},
                  {"title": "没问题了", "payload": "/thank"}]


def _mentioned_ticket_id(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities", []):
        if entity["entity"] == "ticket_id":
            return str(entity["value"]).upper()
    return None


class _TicketAction(Action, ABC):
    """Shared lookup: the ticket named in the message, else the one the conversation is about
    (`current_ticket`), else the customer's tickets. Whatever ticket the answer is about
    becomes the conversation's current ticket."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            dispatcher.utter_message(response="utter_login_required")
            return []
        ticket_id = _mentioned_ticket_id(tracker)
        if ticket_id:
            ticket = refund_service().ticket(cid, ticket_id)
            if ticket is None:
                dispatcher.utter_message(text=NOT_FOUND)
                return []
            return self._about(ticket, self.answer_one(dispatcher, tracker, ticket))
        current = tracker.get_slot("current_ticket")
        ticket = refund_service().ticket(cid, current) if current else None
        if ticket is not None and self.fits_context(ticket):
            events = self.answer_one(dispatcher, tracker, ticket)
            self.mention_others(dispatcher, [t for t in refund_service().tickets_for(cid) if t.ticket_id != current])
            return self._about(ticket, events)
        return self.answer_all(dispatcher, tracker, refund_service().tickets_for(cid))

    def mention_others(self, dispatcher: CollectingDispatcher, others: List[Ticket]) -> None:
        """After answering about the ticket in context, what to say of the customer's others."""

    def fits_context(self, ticket: Ticket) -> bool:
        """Whether a question that names no ticket is about `ticket`, the one just discussed."""
        return True

    @staticmethod
    def _about(ticket: Ticket, events: List[Dict]) -> List[Dict]:
        return [*events, SlotSet("current_ticket", ticket.ticket_id)]

    @abstractmethod
    def answer_one(self, dispatcher: CollectingDispatcher, tracker: Tracker, ticket: Ticket) -> List[Dict]:
        """Answer about the ticket the customer named."""

    @abstractmethod
    def answer_all(self, dispatcher: CollectingDispatcher, tracker: Tracker, tickets: List[Ticket]) -> List[Dict]:
        """Answer when no ticket was named; `tickets` are the customer's, newest first."""


class ActionRefundStatus(_TicketAction):
    def name(self) -> Text:
        return "action_refund_status"

    def answer_one(self, dispatcher, tracker, ticket):
        workflow = ticket_workflow()
        escalated_to = workflow.escalate_if_overdue(ticket)
        if escalated_to is not None:
            ticket = refund_service().ticket(ticket.customer_id, ticket.ticket_id)
        dispatcher.utter_message(text=ticket_replies.status_text(ticket, escalated_to))
        if ticket.status == "needs_info" and tracker.active_loop.get("name") is None:
            # Ask for exactly what the reviewer listed, right away.
            return [SlotSet("supplement_ticket", ticket.ticket_id), FollowupAction("supplement_form")]
        return []

    def answer_all(self, dispatcher, tracker, tickets):
        if not tickets:
            dispatcher.utter_message(text="您名下暂时没有退款工单。需要现在申请退款吗？",
                                     buttons=[{"title": "申请退款", "payload": "/request_refund"}])
            return []
        # The one the customer most likely means: one waiting for them, else the newest.
        needing_info = [t for t in tickets if t.status == "needs_info"]
        focus = (needing_info or tickets)[0]
        events = self.answer_one(dispatcher, tracker, focus)
        self.mention_others(dispatcher, [t for t in tickets if t.ticket_id != focus.ticket_id])
        return self._about(focus, events)

    def mention_others(self, dispatcher, others):
        if others:
            dispatcher.utter_message(text=replies.ticket_list(others, heading="您名下的其他退款工单："),
                                     buttons=replies.ticket_buttons(others))


class ActionRefundAmount(_TicketAction):
    def name(self) -> Text:
        return "action_refund_amount"

    def answer_one(self, dispatcher, tracker, ticket):
        dispatcher.utter_message(text=ticket_replies.amount_text(ticket), buttons=AMOUNT_BUTTONS)
        return []

    def answer_all(self, dispatcher, tracker, tickets):
        order_id, reason = tracker.get_slot("order_id"), tracker.get_slot("refund_reason")
        in_form = tracker.active_loop.get("name") == "refund_form"
        if in_form and order_id and reason:
            quote = refund_service().quote(customer_id(tracker), order_id, reason)
            why = deduction_section([line.code for line in quote.lines if line.amount < 0], reason)
            dispatcher.utter_message(text="\n".join([quote.explanation, *why]))
        elif in_form:
            dispatcher.utter_message(text="确定订单和退款原因后，我会给您逐项列出可退金额和扣除项。")
        elif open_tickets := [t for t in tickets if t.is_open or t.status == "rejected"]:
            dispatcher.utter_message(text=ticket_replies.amount_text(open_tickets[0]), buttons=AMOUNT_BUTTONS)
            return [SlotSet("current_ticket", open_tickets[0].ticket_id)]
        else:
            # No ticket in progress: the question is about what an order would bring back.
            dispatcher.utter_message(text="想知道某个订单能退多少？选择订单后我会先逐项帮您试算，您确认后才会提交。",
                                     buttons=[{"title": "选择订单试算", "payload": "/request_refund"}])
        return []


class ActionAppealRejection(_TicketAction):
    """Explains a rejection and offers the appeal (then appeal_form collects the statement)."""

    def name(self) -> Text:
        return "action_appeal_rejection"

    def fits_context(self, ticket: Ticket) -> bool:
        return ticket.status in ("rejected", "final_rejected")  # else find the rejected one

    def answer_one(self, dispatcher, tracker, ticket):
        if ticket.status == "rejected":
            return self._offer_appeal(dispatcher, ticket)
        if ticket.status == "final_rejected":
            # Still dissatisfied after the appeal: a human explains and looks for a way forward.
            dispatcher.utter_message(text=ticket_replies.status_text(ticket))
            return hand_off(dispatcher, tracker, "dissatisfied", ticket.ticket_id,
                            lead_in="我理解您对结果不满意，为您转接人工客服进一步沟通。")
        dispatcher.utter_message(text=f"工单 {ticket.ticket_id} 目前是「{ticket.status_label}」，并没有被驳回。")
        return []

    def answer_all(self, dispatcher, tracker, tickets):
        rejected = [t for t in tickets if t.status in ("rejected", "final_rejected")]
        if not rejected:
            dispatcher.utter_message(text="您名下没有被驳回的退款工单。需要的话我可以帮您查询各工单的进度。",
                                     buttons=[{"title": "查询退款进度", "payload": "/ask_refund_status"}])
            return []
        return self._about(rejected[0], self.answer_one(dispatcher, tracker, rejected[0]))

    @staticmethod
    def _offer_appeal(dispatcher: CollectingDispatcher, ticket: Ticket) -> List[Dict]:
        dispatcher.utter_message(
            text=f"工单 {ticket.ticket_id}（订单 {ticket.order_id}）{ticket_replies.rejection_text(ticket)}\n要现在提出申诉吗？",
            buttons=[{"title": "提出申诉", "payload": "/affirm"}, {"title": "转人工客服", "payload": "/request_human"},
                     {"title": "暂不申诉", "payload": "/deny"}])
        return [SlotSet("appeal_ticket", ticket.ticket_id)]


class ActionWithdrawPrompt(Action):
    """`cancel` outside a form: offer to withdraw a ticket that is not yet approved."""

    def name(self) -> Text:
        return "action_withdraw_prompt"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            dispatcher.utter_message(response="utter_login_required")
            return [SlotSet("withdraw_ticket", None)]
        tickets = [t for t in refund_service().tickets_for(cid) if t.status in WITHDRAWABLE]
        named = _mentioned_ticket_id(tracker)
        if named:
            tickets = [t for t in tickets if t.ticket_id == named]
        if not tickets:
            dispatcher.utter_message(text="您当前没有进行中的申请，也没有可以撤回的工单（审核通过后的工单不能撤回）。")
            return [SlotSet("withdraw_ticket", None)]
        if len(tickets) > 1:
            dispatcher.utter_message(text="您有多个可以撤回的工单，请选择要撤回哪一个：", buttons=[
                {"title": f"{t.ticket_id}（订单 {t.order_id}，{t.status_label}）",
                 "payload": f'/cancel{{"ticket_id": "{t.ticket_id}"}}'} for t in tickets])
            return [SlotSet("withdraw_ticket", None)]
        ticket = tickets[0]
        dispatcher.utter_message(
            text=f"确定要撤回工单 {ticket.ticket_id}（订单 {ticket.order_id}，{ticket.status_label}）吗？"
                 "撤回后审核会停止，之后可以重新申请。",
            buttons=[{"title": "确认撤回", "payload": "/affirm"}, {"title": "不撤回", "payload": "/deny"}])
        return [SlotSet("withdraw_ticket", ticket.ticket_id)]


class ActionWithdrawTicket(Action):
    def name(self) -> Text:
        return "action_withdraw_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("withdraw_ticket")
        if not cid or not ticket_id:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("withdraw_ticket", None)]
        try:
            ticket = ticket_workflow().withdraw(cid, ticket_id)
            dispatcher.utter_message(text=f"已撤回工单 {ticket.ticket_id}。如需重新申请，随时告诉我。")
        except KeyError:
            dispatcher.utter_message(text=NOT_FOUND)
        except IllegalTransition:
            current = refund_service().ticket(cid, ticket_id)
            dispatcher.utter_message(text=f"工单 {ticket_id} 已是「{current.status_label if current else '未知'}」，无法撤回。")
        return [SlotSet("withdraw_ticket", None)]


class ActionGreet(Action):
    """Greets, and first tells a returning customer which tickets changed since the last visit."""

    def name(self) -> Text:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid:
            service = refund_service()
            changed = service.tickets.changed_since_last_visit(cid, service.clock())
            if changed:
                lines = ["欢迎回来！自您上次来访后，以下工单有了新进展："]
                lines += [ticket_replies.change_notice(ticket) for ticket, _ in changed]
                lines.append("想看详情，告诉我工单号即可。")
                dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(text=replies.GREETING)
        return []
