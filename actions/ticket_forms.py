"""Forms on an existing ticket: supplying what the reviewer asked for, and appealing a rejection."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.evidence import as_evidence, upload_url
from actions.identity import customer_id
from bot.errors import NotFound
from bot.nlu.form_answers import NOT_A_SUPPLEMENT, QUESTION, asks_a_question, evidence_links
from bot.nlu.reader import appeal_grounds, says_uploaded
from bot.refunds import ticket_replies
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.workflow import InvalidRequest
from bot.wiring import services


class ValidateSupplementForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_supplement_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        return ["supplement_content"] if tracker.get_slot("supplement_ticket") else []

    def validate_supplement_content(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        cid, ticket_id = customer_id(tracker), tracker.get_slot("supplement_ticket")
        if says_uploaded(text):
            if cid and services().uploads.for_ticket(cid, ticket_id):
                return {"supplement_content": ticket_replies.UPLOADED_MARK}
            dispatcher.utter_message(text=ticket_replies.NO_SUPPLEMENT_UPLOAD_YET)
            return {"supplement_content": None}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in NOT_A_SUPPLEMENT or (QUESTION.search(text) and not evidence_links(text)):
            dispatcher.utter_message(text=ticket_replies.NOT_A_SUPPLEMENT)
            return {"supplement_content": None}
        if len(text) < 2:
            dispatcher.utter_message(text=ticket_replies.SUPPLEMENT_TOO_SHORT)
            return {"supplement_content": None}
        return {"supplement_content": text[:2000]}


class ActionAskSupplementContent(Action):
    def name(self) -> Text:
        return "action_ask_supplement_content"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("supplement_ticket")
        ticket = services().refunds.ticket(cid, ticket_id) if cid and ticket_id else None
        if cid is None or ticket is None:
            return []
        link = upload_url(cid, tracker.sender_id, ticket.ticket_id)
        dispatcher.utter_message(text=ticket_replies.supplement_question(ticket, link))
        return []


class ActionSubmitSupplement(Action):
    def name(self) -> Text:
        return "action_submit_supplement"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("supplement_ticket")
        content = tracker.get_slot("supplement_content")
        clear = [SlotSet("supplement_ticket", None), SlotSet("supplement_content", None), SlotSet("requested_slot", None)]
        if not (cid and ticket_id and content):
            return clear
        evidence = [("text", content)] if content == ticket_replies.UPLOADED_MARK else as_evidence(content)
        try:
            ticket = services().workflow.supplement(cid, ticket_id, evidence)
        except (NotFound, IllegalTransition, InvalidRequest):
            dispatcher.utter_message(text=ticket_replies.NO_SUPPLEMENT_NEEDED)
            return clear
        dispatcher.utter_message(text=ticket_replies.supplement_received(ticket))
        return clear


class ValidateAppealForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_appeal_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        return ["appeal_statement"] if tracker.get_slot("appeal_ticket") else []

    async def extract_appeal_statement(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        """「申诉 理由是我在规定期限内提的申请」: the grounds said with the request are the statement."""
        if tracker.get_slot("requested_slot") or tracker.get_slot("appeal_statement"):
            return {}
        grounds = appeal_grounds(str(tracker.latest_message.get("text") or ""))
        return {"appeal_statement": grounds} if grounds else {}

    def validate_appeal_statement(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        intent = tracker.latest_message.get("intent") or {}
        name = intent.get("name") or ""
        # Disagreeing with the rejection is what an appeal says: only a real question is not one.
        asks = bool(QUESTION.search(text)) if name == "appeal_rejection" else \
            asks_a_question(name, float(intent.get("confidence") or 0), text)
        if asks:
            dispatcher.utter_message(text=ticket_replies.NOT_AN_APPEAL)
            return {"appeal_statement": None}
        if len(text) < 4:
            dispatcher.utter_message(text=ticket_replies.APPEAL_TOO_SHORT)
            return {"appeal_statement": None}
        return {"appeal_statement": text[:2000]}


class ActionAskAppealStatement(Action):
    def name(self) -> Text:
        return "action_ask_appeal_statement"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("appeal_ticket")
        if not (cid and ticket_id):
            return []
        link = upload_url(cid, tracker.sender_id, ticket_id)
        dispatcher.utter_message(text=ticket_replies.appeal_question(link))
        return []


class ActionSubmitAppeal(Action):
    def name(self) -> Text:
        return "action_submit_appeal"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("appeal_ticket")
        statement = tracker.get_slot("appeal_statement")
        clear = [SlotSet("appeal_ticket", None), SlotSet("appeal_statement", None), SlotSet("requested_slot", None)]
        if not (cid and ticket_id and statement):
            dispatcher.utter_message(text=ticket_replies.APPEAL_NOT_FILED)
            return clear
        try:
            ticket = services().workflow.appeal(cid, ticket_id, statement)
        except NotFound:
            dispatcher.utter_message(text=ticket_replies.NOT_FOUND)
            return clear
        except (IllegalTransition, InvalidRequest):
            current = services().refunds.ticket(cid, ticket_id)
            dispatcher.utter_message(text=ticket_replies.cannot_appeal(ticket_id, current))
            return clear
        dispatcher.utter_message(text=ticket_replies.appeal_filed(ticket))
        return clear
