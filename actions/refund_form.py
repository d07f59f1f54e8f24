"""The refund form: identify the order, the reason, what that reason needs, quote, confirm, file."""
from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.evidence import links_in, upload_url
from actions.handoff import hand_off
from actions.identity import customer_id
from actions.outcomes import reached
from bot.billing.models import Order
from bot.clock import parse_instant, utcnow
from bot.errors import NotFound
from bot.nlu.form_answers import (
    NOT_A_DESCRIPTION,
    SMALL_TALK,
    changed_reason,
    is_only_a_time,
    is_payload,
    looks_like_time,
    says_no_evidence,
    says_upload_done,
)
from bot.nlu.normalize import normalize_text
from bot.nlu.reasons import find_reason
from bot.refunds import replies, ticket_replies
from bot.refunds.order_reference import OrderClues, resolve_order_reference
from bot.refunds.service import QuoteChanged, quote_fingerprint
from bot.tickets.ledger import LedgerRefused
from bot.vocabulary import ConversationOutcome, RefundReason, TicketKind
from bot.wiring import services

FORM_SLOTS = ("order_id", "order_candidates", "instance_id", "refund_reason", "incident_time", "incident_instance",
              "incident_description", "evidence_links", "duplicate_confirmed", "refund_confirmed",
              "refund_blocked", "shown_quote")
logger = logging.getLogger(__name__)
SERVICE_ISSUE_SLOTS = ["incident_time", "incident_instance", "incident_description", "evidence_links"]
# Refusals that do not depend on the reason: say so as soon as the order is known.
MAX_TEXT = 2000


ORDER_ID_VALUE = re.compile(r"^\d{16}$")
INSTANCE_ID_VALUE = re.compile(r"^ins-[a-z0-9]{8}$")


def _ids(value: Any, tracker: Tracker) -> Dict[str, str]:
    """The order or instance id a slot candidate stands for: the value itself when it is one
    (a button, an entity), else the first the NLU found in the customer's message."""
    text = str(value or "").strip()
    if ORDER_ID_VALUE.match(text):
        return {"order_id": text}
    if INSTANCE_ID_VALUE.match(text):
        return {"instance_id": text}
    found: Dict[str, str] = {}
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") in ("order_id", "instance_id"):
            found.setdefault(entity["entity"], str(entity["value"]))
    return found


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def _login_required(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(response="utter_login_required")


def _accept_order(dispatcher: CollectingDispatcher, cid: str, order: Order) -> Dict[Text, Any]:
    """The customer's order is identified: refuse at once what no reason can change, else go on."""
    precheck = services().refunds.precheck(cid, order)
    if precheck.open_ticket is not None:
        dispatcher.utter_message(text=replies.ticket_already_open(precheck.open_ticket))
        return {"order_id": order.order_id, "refund_blocked": True, "current_ticket": precheck.open_ticket.ticket_id}
    if precheck.settled_by is not None:  # asked again about a refunded order: where that one stands
        dispatcher.utter_message(text=ticket_replies.already_given_back(precheck.settled_by))
        return {"order_id": order.order_id, "refund_blocked": True, "current_ticket": precheck.settled_by.ticket_id}
    if precheck.refusal is not None:
        dispatcher.utter_message(text=precheck.refusal.explanation)
        return {"order_id": order.order_id, "refund_blocked": True}
    dispatcher.utter_message(text=replies.order_found(order))
    return {"order_id": order.order_id, "incident_instance": order.instance_id}


def _several_orders(dispatcher: CollectingDispatcher, cid: str, typed_ids: List[str]) -> Dict[Text, Any]:
    """Several order ids in one message: ask which (only the customer's own are offered)."""
    service = services().refunds
    own = [o for o in (service.find_order(cid, order_id=i).order for i in typed_ids) if o is not None]
    if len(own) == 1:
        return _accept_order(dispatcher, cid, own[0])
    if not own:
        dispatcher.utter_message(text=replies.order_not_found("、".join(typed_ids)))
        return {"order_id": None}
    dispatcher.utter_message(text=replies.which_of_several(len(own)))
    return {"order_id": None, "order_candidates": [o.order_id for o in own]}


def _order_named_in_words(cid: str, tracker: Tracker) -> Optional[Order]:
    """The one order the message's clues (size, product, price, date, kind) fit, among those
    offered or those being (or already) refunded; None when they fit none or several, or name
    a position in a list (only a shown list has positions)."""
    clues = OrderClues.from_entities(tracker.latest_message.get("entities", []))
    if clues.ordinal is not None:
        return None
    fitting = resolve_order_reference(clues, services().refunds.orders_in_question(cid)[:20])
    return fitting.orders[0] if fitting.understood and len(fitting.orders) == 1 else None


def _order_in_words(dispatcher: CollectingDispatcher, cid: str, tracker: Tracker) -> Dict[Text, Any]:
    """「8核16G那台」「第一个」「续费的那个」: match the clues the NLU found against the orders the
    customer was offered."""
    service = services().refunds
    offered = service.refundable_orders(cid)[:10]
    clues = OrderClues.from_entities(tracker.latest_message.get("entities", []))
    reference = resolve_order_reference(clues, offered)
    if reference.understood and not reference.orders and clues.ordinal is None:
        # Not among those offered: an order being (or already) refunded, asked about again.
        asked_again = [o for o in service.orders_in_question(cid) if o not in offered]
        again = resolve_order_reference(clues, asked_again)
        if len(again.orders) == 1:
            return _accept_order(dispatcher, cid, again.orders[0])
    if not reference.understood:
        dispatcher.utter_message(text=replies.ORDER_NOT_RECOGNISED)
        return {"order_id": None}
    if len(reference.orders) == 1:
        return _accept_order(dispatcher, cid, reference.orders[0])
    if not reference.orders:
        dispatcher.utter_message(text=replies.NO_ORDER_FITS)
        return {"order_id": None}
    dispatcher.utter_message(text=replies.which_of_several(len(reference.orders)))
    return {"order_id": None, "order_candidates": [o.order_id for o in reference.orders]}


class ValidateRefundForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_refund_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("refund_blocked"):
            return []
        slots = ["order_id", "refund_reason"]
        reason = tracker.get_slot("refund_reason")
        if reason == "service_issue":
            slots += SERVICE_ISSUE_SLOTS
        elif reason == "duplicate_payment" and self._has_duplicates(tracker):
            slots.append("duplicate_confirmed")
        return slots + ["refund_confirmed"]

    @staticmethod
    def _has_duplicates(tracker: Tracker) -> bool:
        cid, order_id = customer_id(tracker), tracker.get_slot("order_id")
        return bool(cid and order_id and services().refunds.duplicate_payments(cid, order_id))

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        """An instance id typed instead of an order id also identifies the order."""
        if tracker.get_slot("order_id"):
            return {}
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities", [])}
        if "instance_id" in entities and "order_id" not in entities:
            return {"order_id": entities["instance_id"]}
        cid = customer_id(tracker)
        named = _order_named_in_words(cid, tracker) if cid and "order_id" not in entities else None
        # 「那台2核4G退了没？没退的话帮我退掉」: the order the words fit, said at once.
        return {"order_id": named.order_id} if named is not None else {}

    def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        cid = customer_id(tracker)
        if cid is None:
            _login_required(dispatcher)
            return {"order_id": None, "refund_blocked": True}
        service = services().refunds
        # Rasa keeps one entity value per slot: count the ids the NLU found in the message.
        typed_ids = list(dict.fromkeys(str(e["value"]) for e in tracker.latest_message.get("entities", [])
                                       if e.get("entity") == "order_id"))
        if len(typed_ids) > 1:
            return _several_orders(dispatcher, cid, typed_ids)
        ids = _ids(value, tracker)
        if not ids.get("order_id") and not ids.get("instance_id"):
            return _order_in_words(dispatcher, cid, tracker)
        lookup = service.find_order(cid, order_id=ids.get("order_id"), instance_id=ids.get("instance_id"))
        if lookup.candidates:
            return {"order_id": None}  # action_ask_order_id offers the instance's orders
        if lookup.order is None:
            dispatcher.utter_message(text=replies.order_not_found(ids.get("order_id") or ids.get("instance_id") or ""))
            return {"order_id": None}
        return _accept_order(dispatcher, cid, lookup.order)

    def validate_refund_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        reason = value if RefundReason.parse(value) else None
        if reason is None and isinstance(value, str):
            found = find_reason(normalize_text(value))
            reason = found[0] if found else None
        if reason is None:
            dispatcher.utter_message(text=replies.REASON_NOT_UNDERSTOOD)
            return {"refund_reason": None}
        cid, order_id = customer_id(tracker), tracker.get_slot("order_id")
        given = services().refunds.given_back(cid, order_id, "refund", reason) if cid and order_id else None
        if given is not None:  # e.g. the duplicate charge was refunded already
            dispatcher.utter_message(text=ticket_replies.already_given_back(given))
            return {"refund_reason": reason, "refund_blocked": True, "current_ticket": given.ticket_id}
        if cid and order_id:
            quote = services().refunds.quote(cid, order_id, reason)
            if quote is not None and not quote.eligible and "manual_review" not in quote.alternatives:
                dispatcher.utter_message(text=quote.explanation)
                return {"refund_reason": reason, "refund_blocked": True}
        return {"refund_reason": reason}

    def _changed_answer(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Optional[Dict[Text, Any]]:
        """A correction typed where the form asked for `slot` (a time, a description, evidence):
        another order named by id (validate_order_id takes it; nothing is stored as `slot`) or a
        change of reason (「原因改成不需要了」: the new reason, checked as if chosen, and the old
        reason's answers dropped). None when the message simply answers."""
        typed_orders = {str(e.get("value")) for e in tracker.latest_message.get("entities", [])
                        if e.get("entity") == "order_id"}
        if typed_orders - {tracker.get_slot("order_id")}:
            return {slot: None}
        text = normalize_text(str(tracker.latest_message.get("text") or ""))
        reason = changed_reason(text, tracker.get_slot("refund_reason"))
        if reason is None:
            return None
        changed = self.validate_refund_reason(reason, dispatcher, tracker, domain)
        if changed.get("refund_reason") != RefundReason.SERVICE_ISSUE:
            changed.update({name: None for name in SERVICE_ISSUE_SLOTS})
        return {slot: None, **changed}

    def validate_incident_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        changed = self._changed_answer("incident_time", dispatcher, tracker, domain)
        if changed is not None:
            return changed
        text = str(value or "").strip()
        if is_payload(text):
            text = ""  # only a date entity it carries can be the answer
        dates = [(e["value"], moment) for e in tracker.latest_message.get("entities", [])
                 if e.get("entity") == "date" and (moment := parse_instant(e.get("value"))) is not None]
        if dates:
            value, moment = dates[0]
            if moment > utcnow() + timedelta(hours=1):
                dispatcher.utter_message(text=replies.TIME_IN_FUTURE)
                return {"incident_time": None}
            return {"incident_time": f"{value}（{text[:50]}）"}
        if _intent(tracker) in SMALL_TALK or not looks_like_time(text, has_date_entity=False):
            dispatcher.utter_message(text=replies.TIME_NOT_UNDERSTOOD)
            return {"incident_time": None}
        if len(text) > 100:
            dispatcher.utter_message(text=replies.TIME_TOO_LONG)
            return {"incident_time": None}
        return {"incident_time": text}

    def validate_incident_instance(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        cid = customer_id(tracker)
        instance_id = _ids(value, tracker).get("instance_id")
        if instance_id is None:
            dispatcher.utter_message(text=replies.INSTANCE_ID_PLEASE)
            return {"incident_instance": None}
        if cid is None or not services().refunds.owns_instance(cid, instance_id):
            dispatcher.utter_message(text=replies.instance_not_found(instance_id))
            return {"incident_instance": None}
        return {"incident_instance": instance_id}

    def validate_incident_description(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        changed = self._changed_answer("incident_description", dispatcher, tracker, domain)
        if changed is not None:
            return changed
        text = str(value or "").strip()
        spans = [(e["start"], e["end"]) for e in tracker.latest_message.get("entities", []) if e["entity"] == "date"]
        if _intent(tracker) in NOT_A_DESCRIPTION or len(text) < 2 or is_only_a_time(text, spans) or is_payload(text):
            dispatcher.utter_message(text=replies.NOT_A_DESCRIPTION)
            return {"incident_description": None}
        return {"incident_description": text[:MAX_TEXT]}

    def validate_evidence_links(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Evidence is an upload, a link or 「没有」; more words about the problem join the
        description (nothing is lost), and the question is asked again."""
        changed = self._changed_answer("evidence_links", dispatcher, tracker, domain)
        if changed is not None:
            return changed
        text = str(value or "").strip()
        cid = customer_id(tracker)
        if says_upload_done(text) and cid:
            files = services().uploads.for_conversation(cid, tracker.sender_id)
            if not files:
                dispatcher.utter_message(text=replies.NO_UPLOAD_YET)
                return {"evidence_links": None}
            return {"evidence_links": replies.uploaded_files(len(files))}
        if _intent(tracker) == "deny" or says_no_evidence(text):
            return {"evidence_links": replies.NO_EVIDENCE_GIVEN}
        links = links_in(text)
        if links:
            dispatcher.utter_message(text=replies.links_received(len(links)))
            return {"evidence_links": "\n".join(links[:10])}
        if _intent(tracker) not in NOT_A_DESCRIPTION and len(text) >= 4 and not is_payload(text):
            described = str(tracker.get_slot("incident_description") or "")
            dispatcher.utter_message(text=replies.ADDED_TO_DESCRIPTION)
            return {"evidence_links": None, "incident_description": f"{described}\n{text}".strip()[:MAX_TEXT]}
        dispatcher.utter_message(text=replies.EVIDENCE_IS_A_FILE_OR_LINK)
        return {"evidence_links": None}

    def validate_duplicate_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is False:
            dispatcher.utter_message(text=replies.NOT_A_DUPLICATE)
            return {"duplicate_confirmed": None, "refund_reason": None}
        return {"duplicate_confirmed": True}


class ActionAskOrderId(Action):
    def name(self) -> Text:
        return "action_ask_order_id"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            _login_required(dispatcher)
            return []
        service = services().refunds
        named = [o for o in (service.find_order(cid, order_id=i).order for i in tracker.get_slot("order_candidates") or [])
                 if o is not None]
        if named:
            dispatcher.utter_message(text=replies.WHICH_ORDER, buttons=replies.as_buttons(named))
            return [SlotSet("order_candidates", None)]
        instance_id = tracker.get_slot("instance_id")
        candidates = service.find_order(cid, instance_id=instance_id).candidates if instance_id else ()
        if candidates:
            dispatcher.utter_message(text=replies.which_order_of_instance(instance_id),
                                     buttons=replies.as_buttons(candidates))
            return []
        orders = service.refundable_orders(cid)
        if not orders:
            dispatcher.utter_message(text=replies.NO_REFUNDABLE_ORDERS)
            return []
        dispatcher.utter_message(text=replies.PICK_OR_TYPE_ORDER,
                                 buttons=replies.as_buttons(orders[:10]))
        return []


class ActionAskIncidentInstance(Action):
    def name(self) -> Text:
        return "action_ask_incident_instance"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=replies.WHICH_INSTANCE)
        return []


class ActionAskDuplicateConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_duplicate_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, order_id = customer_id(tracker), tracker.get_slot("order_id")
        order = services().refunds.order(cid, order_id) if cid and order_id else None
        if order is None or not order.duplicate_payments or order.primary_payment is None:
            return []
        dispatcher.utter_message(
            text=replies.duplicate_question(order.duplicate_payments, order.primary_payment),
            buttons=replies.DUPLICATE_BUTTONS,
        )
        return []


class ActionAskRefundConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_refund_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        quote = services().refunds.quote(cid, tracker.get_slot("order_id"), tracker.get_slot("refund_reason")) \
            if cid else None
        if quote is None:
            _login_required(dispatcher)
            return []
        buttons = replies.CONFIRM_BUTTONS if quote.eligible else replies.MANUAL_REVIEW_BUTTONS
        dispatcher.utter_message(text=replies.quote_question(quote), buttons=buttons)
        # What the customer now confirms: filing files this very quote or nothing.
        return [SlotSet("shown_quote", quote_fingerprint(TicketKind.REFUND, quote))]


class ActionSubmitRefund(Action):
    """Runs after the form: files the ticket if confirmed, then clears the form."""

    def name(self) -> Text:
        return "action_submit_refund"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        order_id, reason = tracker.get_slot("order_id"), tracker.get_slot("refund_reason")
        if tracker.get_slot("refund_blocked") or cid is None or not order_id or not reason:
            dispatcher.utter_message(response="utter_anything_else")
        elif tracker.get_slot("refund_confirmed") is True:
            try:
                filed = self._file(dispatcher, tracker, cid, order_id, reason)
            except SQLAlchemyError:
                logger.exception("filing failed", extra={"conversation_id": tracker.sender_id})
                dispatcher.utter_message(text=replies.FILING_FAILED)
                # Keep everything collected and ask for the confirmation again.
                return [SlotSet("refund_confirmed", None), FollowupAction("refund_form")]
            except QuoteChanged:
                # Confirmed something not shown (another order typed at the confirmation, or
                # billing moved): nothing filed; show the quote as it is now and ask again.
                dispatcher.utter_message(text=replies.QUOTE_CHANGED)
                return [SlotSet("refund_confirmed", None), FollowupAction("refund_form")]
            except LedgerRefused as refused:
                # Something else took the money meanwhile: nothing filed, say where that stands.
                dispatcher.utter_message(text=self._refusal(tracker, cid, refused))
                return clear_form_events()
            except NotFound:
                # The order is not (or no longer) this customer's: file nothing, say so plainly.
                logger.warning("refused to file for an order the customer does not own",
                               extra={"conversation_id": tracker.sender_id})
                dispatcher.utter_message(text=replies.order_not_found(order_id))
                return clear_form_events()
            return filed + clear_form_events()
        else:
            dispatcher.utter_message(text=replies.NOT_FILED)
        return clear_form_events()

    @staticmethod
    def _refusal(tracker: Tracker, cid: str, refused: LedgerRefused) -> str:
        ticket = services().refunds.ticket(cid, refused.reference) if refused.reference else None
        return ticket_replies.already_given_back(ticket) if ticket is not None else str(refused)

    @staticmethod
    def _file(dispatcher: CollectingDispatcher, tracker: Tracker, cid: str, order_id: str,
              reason: str) -> List[Dict[Text, Any]]:
        details = {slot: tracker.get_slot(slot) for slot in
                   ("incident_time", "incident_instance", "incident_description", "evidence_links",
                    "duplicate_confirmed") if tracker.get_slot(slot) is not None}
        evidence = []
        if details.get("incident_description"):
            evidence.append(("text", details["incident_description"]))
        for link in links_in(details.get("evidence_links") or ""):
            evidence.append(("link", link))
        service = services().refunds
        if reason == "duplicate_payment":
            evidence += [("transaction", p.txn_id) for p in service.duplicate_payments(cid, order_id)]
        # The fingerprint of the quote shown for this confirmation ("" if none was: nothing to file).
        filing = service.file(cid, order_id, reason, details, evidence, conversation_id=tracker.sender_id,
                              confirmed=tracker.get_slot("shown_quote") or "")
        # A retried submit in the same conversation finds the ticket it filed: answer the same way.
        same_conversation = filing.ticket.conversation_id == tracker.sender_id
        about = [SlotSet("current_ticket", filing.ticket.ticket_id)]  # what follow-ups refer to
        if not (filing.created or same_conversation):
            dispatcher.utter_message(text=replies.ticket_already_open(filing.ticket))
            return about
        dispatcher.utter_message(text=replies.ticket_filed(filing.ticket, services().pages))
        reason_code = filing.agent_reason(services().handoffs.support.current().large_refund_above)
        if reason_code is not None:
            return about + hand_off(dispatcher, tracker, reason_code, filing.ticket.ticket_id,
                                    lead_in=replies.NEEDS_AGENT_AFTER_FILING)
        # No satisfaction survey here: nothing is resolved yet (surveys follow a closed handoff).
        return about


class ActionClearRefundForm(Action):
    def name(self) -> Text:
        return "action_clear_refund_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        """The customer stopped the application (or chose not to resume it)."""
        reached(tracker, ConversationOutcome.WITHDRAWN)
        return clear_form_events()


def clear_form_events() -> List[Dict[Text, Any]]:
    """Forget everything the form collected, so the next application starts clean."""
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "paused_form")] + [SlotSet("requested_slot", None)]


class ActionAskEvidenceLinks(Action):
    """Offers a signed upload link bound to this customer and conversation."""

    def name(self) -> Text:
        return "action_ask_evidence_links"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            dispatcher.utter_message(text=replies.EVIDENCE_QUESTION)
            return []
        dispatcher.utter_message(text=replies.evidence_question(upload_url(cid, tracker.sender_id)))
        return []
