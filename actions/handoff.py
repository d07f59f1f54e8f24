"""Handing the conversation to a human agent, leaving a message out of hours, and surveys."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import customer_id, requester
from actions.several import answer_side_requests
from bot.handoff import replies as handoff_replies
from bot.handoff.contact import contact_kind, message_text, mobile_in, mobile_number
from bot.handoff.summary import build_summary
from bot.nlu.reader import call_about, denies_complaint, nothing_to_add, wants_money_back, withdraw_asked
from bot.observability.metrics import HANDOFFS
from bot.refunds import replies
from bot.wiring import services


def _recent_user_messages(tracker: Tracker, count: int = 6) -> List[str]:
    texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return [t for t in texts if not t.startswith("/")][-count:]


TICKET_SLOTS = ("supplement_ticket", "appeal_ticket", "withdraw_ticket", "ticket_id")


def _linked_ticket(cid: Optional[str], tracker: Tracker, ticket_id: Optional[str] = None):
    """The ticket this conversation is about: the one named, the one a ticket form is on, the
    open one of the order being discussed, or the newest one filed in this conversation; never
    just the customer's newest ticket from elsewhere."""
    if not cid:
        return None
    service = services().refunds
    for candidate in (ticket_id, *(tracker.get_slot(slot) for slot in TICKET_SLOTS)):
        if candidate:
            ticket = service.ticket(cid, candidate)
            if ticket is not None:
                return ticket
    order_id = tracker.get_slot("order_id")
    if order_id:
        return service.open_ticket(cid, order_id)
    filed_here = [t for t in service.tickets_for(cid) if t.conversation_id == tracker.sender_id]
    return filed_here[0] if filed_here else None


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str,
             ticket_id: Optional[str] = None, lead_in: str = "") -> List[Dict[Text, Any]]:
    """Queue the conversation for an agent and pause the bot; out of hours offer a message."""
    cid = customer_id(tracker)
    ticket = _linked_ticket(cid, tracker, ticket_id)
    quote = None
    order_id, refund_reason = tracker.get_slot("order_id"), tracker.get_slot("refund_reason")
    if cid and order_id and refund_reason:
        quote = services().refunds.quote(cid, order_id, refund_reason)
    summary = build_summary(tracker.current_slot_values(), _recent_user_messages(tracker), quote, ticket)
    service = services().handoffs
    queued = service.request(tracker.sender_id, cid, reason, ticket.ticket_id if ticket else None, summary,
                             requester(tracker))
    prefix = f"{lead_in}\n" if lead_in else ""
    if queued.too_often:
        dispatcher.utter_message(text=prefix + handoff_replies.TOO_OFTEN)
        return []
    HANDOFFS.labels(reason=reason).inc()
    if queued.in_hours:
        dispatcher.utter_message(text=prefix + handoff_replies.queued(queued))
        return [ConversationPaused()]
    if reason == "complaint":
        # The complaint itself is the message: recorded now, as the lead-in says.
        service.complaint_message(tracker.sender_id, cid, str(tracker.latest_message.get("text") or ""),
                                  ticket.ticket_id if ticket else None, summary)
    config = service.support.current()
    dispatcher.utter_message(text=prefix + handoff_replies.closed_now(config.describe(), queued.next_opening),
                             buttons=handoff_replies.LEAVE_MESSAGE_BUTTONS)
    return [SlotSet("handoff_reason", reason)]


def pause_form_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The refund form's answers move to `paused_form` (the handoff summary has them too) and
    the form starts afresh; after the agent hands back, the customer may resume it."""
    from actions.refund_form import FORM_SLOTS  # the form imports this module

    answers = {slot: tracker.get_slot(slot) for slot in FORM_SLOTS if tracker.get_slot(slot) is not None}
    events = [SlotSet(slot, None) for slot in answers]
    if answers.get("order_id"):
        events.append(SlotSet("paused_form", answers))
    return events


class ActionOfferResume(Action):
    """Run when an agent hands the conversation back: offer to resume a refund application the
    handoff interrupted, if its order has no ticket yet."""

    def name(self) -> Text:
        return "action_offer_resume"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        paused, cid = tracker.get_slot("paused_form") or {}, customer_id(tracker)
        order_id = paused.get("order_id") if isinstance(paused, dict) else None
        if cid and order_id and services().refunds.open_ticket(cid, str(order_id)) is None:
            dispatcher.utter_message(text=handoff_replies.resume_offer(str(order_id)),
                                     buttons=handoff_replies.RESUME_BUTTONS)
            return []
        dispatcher.utter_message(text=handoff_replies.HANDED_BACK)
        return [SlotSet("paused_form", None)]


class ActionResumeRefund(Action):
    """The customer chose to resume: the paused answers come back and the form goes on."""

    def name(self) -> Text:
        return "action_resume_refund"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from actions.refund_form import FORM_SLOTS  # the form imports this module

        paused = tracker.get_slot("paused_form")
        answers = paused if isinstance(paused, dict) else {}
        return [SlotSet(slot, answers[slot]) for slot in FORM_SLOTS if slot in answers] + [SlotSet("paused_form", None)]


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        # 「RF…催一下 顺便帮我转人工」: the ticket chased (and its status said) before the handoff.
        chased = answer_side_requests(dispatcher, tracker, ("chase", "status"))
        return chased + hand_off(dispatcher, tracker, "requested") + pause_form_events(tracker)


class ActionComplain(Action):
    """A complaint: acknowledged, recorded with the handoff (reason `complaint`) and taken by a
    person, who can do more than the policy allows; the form's answers travel with it."""

    def name(self) -> Text:
        return "action_complain"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if denies_complaint(str(tracker.latest_message.get("text") or "")):
            # 「我不是要投诉 就问下退款多久到账」: the question, not a complaint.
            from actions.conversation import ActionRefundPolicy  # noqa: PLC0415 (it imports this module)
            return ActionRefundPolicy().run(dispatcher, tracker, domain)
        events = hand_off(dispatcher, tracker, "complaint", lead_in=handoff_replies.COMPLAINT_LEAD_IN)
        return events + pause_form_events(tracker)


class ActionFallback(Action):
    """First miss: say what the assistant can do. Second miss in a row: hand off."""

    def name(self) -> Text:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from actions.choices import answer_from_offer  # noqa: PLC0415 (it imports this module)
        from actions.refund_form import names_own_order  # noqa: PLC0415
        picked = answer_from_offer(dispatcher, tracker, domain)  # a choice among the buttons, in words
        if picked is not None:
            return picked
        text = str(tracker.latest_message.get("text") or "")
        if customer_id(tracker) and wants_money_back(text) and names_own_order(tracker):
            # 「按量付费那台能退钱吗」「数据库被扣了两次钱」 between two intents: about that order — the
            # refund form answers.
            return [FollowupAction("refund_form")]
        if customer_id(tracker) and withdraw_asked(str(tracker.latest_message.get("text") or "")):
            # 「不退了 申请撤销一下吧🙏」 between two intents: the words say withdraw.
            from actions.inquiries import ActionWithdrawPrompt  # noqa: PLC0415 (it imports this module)
            return ActionWithdrawPrompt().run(dispatcher, tracker, domain)
        intents = [e.get("parse_data", {}).get("intent", {}).get("name")
                   for e in tracker.events if e.get("event") == "user"]
        if len(intents) >= 2 and intents[-1] == intents[-2] == "nlu_fallback":
            return hand_off(dispatcher, tracker, "fallback",
                            lead_in=handoff_replies.NOT_UNDERSTOOD_LEAD_IN)
        likely = replies.likely_intent_buttons(tracker.latest_message.get("intent_ranking") or [])
        if likely:
            dispatcher.utter_message(text=replies.LIKELY_INTENTS, buttons=likely)
        else:
            dispatcher.utter_message(text=replies.NOT_UNDERSTOOD, buttons=replies.NOT_UNDERSTOOD_BUTTONS)
        if intents and intents[-1] != "nlu_fallback":
            # Used as the dialogue's core fallback: forget the turn so the bot listens again
            # instead of predicting the fallback over and over.
            return [UserUtteranceReverted()]
        return []


class ValidateLeaveMessageForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_leave_message_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("contact_choice") == "callback":
            return ["contact_choice", "callback_phone", "leave_message"]
        return ["contact_choice", "leave_message"]

    def validate_contact_choice(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        kind = contact_kind(value)
        return {"contact_choice": kind.value if kind else None}

    async def extract_callback_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        """「能不能打电话给我 13900001111」: a number given before it was asked for."""
        if tracker.get_slot("callback_phone") or tracker.get_slot("requested_slot") == "callback_phone":
            return {}
        found = mobile_in(tracker.latest_message.get("text"))
        return {"callback_phone": found[0]} if found else {}

    async def extract_leave_message(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        """「13812345678 主要是退款的事」: what the call is about, said with the number."""
        if tracker.get_slot("leave_message"):
            return {}
        if tracker.get_slot("requested_slot") == "leave_message":
            # 「不用了」 to the offer of a note on a booked call-back: nothing to attach (a decline is
            # no text the mapping takes).
            return {"leave_message": handoff_replies.NO_COMMENT} if _declines_note(tracker) else {}
        found = mobile_in(tracker.latest_message.get("text"))
        about = call_about(found[1]) if found else ""
        return {"leave_message": about} if found and message_text(about) and len(about) >= 4 else {}

    def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        found = mobile_in(value)
        phone = mobile_number(value) or (found[0] if found else None)
        if phone is None:
            dispatcher.utter_message(text=handoff_replies.BAD_PHONE)
        return {"callback_phone": phone}

    def validate_leave_message(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if value == handoff_replies.NO_COMMENT or _declines_note(tracker, value):
            return {"leave_message": handoff_replies.NO_COMMENT}
        text = message_text(value)
        if text is None:
            dispatcher.utter_message(text=handoff_replies.MESSAGE_TOO_SHORT)
        return {"leave_message": text}


def _declines_note(tracker: Tracker, value: Any = None) -> bool:
    """The customer, offered to say what a booked call-back is about, declines (「不用了」)."""
    if not tracker.get_slot("callback_booked"):
        return False
    text = str(value if value is not None else tracker.latest_message.get("text") or "")
    return tracker.latest_message.get("intent", {}).get("name") in ("deny", "cancel") or nothing_to_add(text)


def _leave(tracker: Tracker, kind: str, message: str) -> Any:
    """Record a message or call-back of this conversation for the agents."""
    cid = customer_id(tracker)
    ticket = _linked_ticket(cid, tracker)
    summary = build_summary(tracker.current_slot_values(), _recent_user_messages(tracker), None, ticket)
    return services().handoffs.leave_message(
        tracker.sender_id, cid, kind, message, tracker.get_slot("callback_phone") if kind == "callback" else None,
        tracker.get_slot("handoff_reason") or "requested", ticket.ticket_id if ticket else None, summary)


def _callback_recorded(phone: str) -> str:
    service = services().handoffs
    config, now = service.support.current(), service.clock()
    return handoff_replies.callback_recorded(phone, config.next_opening(now), config.is_open(now))


LEAVE_MESSAGE_SLOTS = ("contact_choice", "leave_message", "callback_phone", "handoff_reason", "callback_booked",
                       "requested_slot")


class ActionAskLeaveMessage(Action):
    """The message's text is asked for. A call-back needs only the number: it is booked as soon as
    the number is valid, and what it is about is offered, not required (what the customer says
    next is attached to that call-back)."""

    def name(self) -> Text:
        return "action_ask_leave_message"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        phone = tracker.get_slot("callback_phone")
        if tracker.get_slot("contact_choice") != "callback" or not phone:
            dispatcher.utter_message(text=handoff_replies.LEAVE_MESSAGE_QUESTION)
            return []
        if tracker.get_slot("callback_booked"):  # asked again (the note was too short)
            dispatcher.utter_message(text=handoff_replies.CALLBACK_NOTE_OFFER, buttons=handoff_replies.NO_NOTE_BUTTONS)
            return []
        booked = _leave(tracker, "callback", "")
        dispatcher.utter_message(text=f"{_callback_recorded(phone)}\n{handoff_replies.CALLBACK_NOTE_OFFER}",
                                 buttons=handoff_replies.NO_NOTE_BUTTONS)
        return [SlotSet("callback_booked", str(booked.id))]


class ActionLeaveMessageStopped(Action):
    """The customer stops the message / call-back form: nothing is sent — except a call-back
    already booked, which stays booked."""

    def name(self) -> Text:
        return "action_leave_message_stopped"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("callback_booked"):
            dispatcher.utter_message(text=handoff_replies.CALLBACK_NO_NOTE)
        else:
            dispatcher.utter_message(response="utter_action_stopped")
        return [SlotSet(slot, None) for slot in LEAVE_MESSAGE_SLOTS]


class ActionSubmitLeaveMessage(Action):
    def name(self) -> Text:
        return "action_submit_leave_message"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kind, message = tracker.get_slot("contact_choice"), tracker.get_slot("leave_message")
        if message == handoff_replies.NO_COMMENT:
            message = None
        clear = [SlotSet(slot, None) for slot in LEAVE_MESSAGE_SLOTS]
        booked, service = tracker.get_slot("callback_booked"), services().handoffs
        if kind == "callback" and booked:
            # The call-back was booked with the number; what was said since is what it is about.
            if not message:
                dispatcher.utter_message(text=handoff_replies.CALLBACK_NO_NOTE)
                return clear
            if service.add_to_callback(int(booked), tracker.sender_id, message) is not None:
                dispatcher.utter_message(text=handoff_replies.CALLBACK_NOTE_ADDED)
                return clear
            kind = "message"  # that call-back is closed already: the words are kept as a message
        if kind not in ("message", "callback") or (kind == "message" and not message):
            return clear
        phone = tracker.get_slot("callback_phone")
        if kind == "callback" and not phone:
            return clear
        _leave(tracker, kind, message or "")
        if kind == "callback":
            dispatcher.utter_message(text=_callback_recorded(phone))
        else:
            dispatcher.utter_message(text=handoff_replies.message_recorded(
                kind, service.support.current().next_opening(service.clock())))
        return clear


class ValidateSurveyForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_survey_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        # 「👍👍」 with no one to rate (no person talked with them) and no score given: a thank-you,
        # not a survey.
        talked_to_a_person = any(e.get("event") == "pause" for e in tracker.events)
        if not talked_to_a_person and not tracker.get_slot("survey_score") \
                and tracker.get_slot("requested_slot") is None:
            dispatcher.utter_message(response="utter_thank")
            return [SlotSet("survey_score", None), SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    def validate_survey_score(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        return {"survey_score": str(value) if str(value) in {"1", "2", "3", "4", "5"} else None}

    def validate_survey_comment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        skipped = tracker.latest_message.get("intent", {}).get("name") == "deny" or nothing_to_add(text)
        return {"survey_comment": handoff_replies.NO_COMMENT if skipped or not text else text[:1000]}


class ActionSubmitSurvey(Action):
    def name(self) -> Text:
        return "action_submit_survey"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        score, comment = tracker.get_slot("survey_score"), tracker.get_slot("survey_comment")
        clear = [SlotSet("survey_score", None), SlotSet("survey_comment", None), SlotSet("requested_slot", None)]
        if score is None:
            return clear
        cid = customer_id(tracker)
        service = services().handoffs
        handoff = service.last_resolved(tracker.sender_id)
        tickets = [t for t in services().refunds.tickets_for(cid) if t.conversation_id == tracker.sender_id] if cid else []
        service.record_survey(tracker.sender_id, cid, int(score), None if comment == handoff_replies.NO_COMMENT else comment,
                              handoff_id=handoff.id if handoff else None,
                              ticket_id=tickets[0].ticket_id if tickets else None)
        dispatcher.utter_message(text=handoff_replies.SURVEY_THANKS)
        return clear
