"""The refund form: identify the order, the reason, what that reason needs, quote, confirm, file."""
from __future__ import annotations

import logging
import re
from dataclasses import replace
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
from actions.several import answer_side_requests
from bot.billing.models import Order
from bot.clock import parse_instant, utcnow
from bot.errors import NotFound
from bot.nlu.form_answers import (
    NOT_A_DESCRIPTION,
    SMALL_TALK,
    is_only_a_time,
    is_payload,
    looks_like_time,
)
from bot.nlu.normalize import normalize_text
from bot.nlu.reader import (
    changed_reason,
    confirms,
    describes_fault,
    joined_parts,
    read,
    ruled_out_removed,
    says_no_evidence,
    says_uploaded,
)
from bot.nlu.reasons import find_reason
from bot.refunds import replies, ticket_replies
from bot.refunds.order_reference import OrderClues, OrderReference, names_an_order, resolve_order_reference
from bot.refunds.service import QuoteChanged, quote_fingerprint
from bot.tickets.ledger import LedgerRefused
from bot.uploads import EVIDENCE_UPLOADED_INTENT
from bot.vocabulary import ConversationOutcome, RefundReason, TicketKind
from bot.wiring import services

FORM_SLOTS = ("order_id", "order_candidates", "instance_id", "refund_reason", "incident_time", "incident_instance",
              "incident_description", "evidence_links", "duplicate_confirmed", "refund_confirmed",
              "refund_blocked", "shown_quote", "form_stopped")
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


def _after_upload_turn(tracker: Tracker) -> bool:
    """The turn before this message was the website's: files uploaded while the form waited
    for the evidence (the form then went on by itself)."""
    said = [e for e in tracker.events if e.get("event") == "user"]
    if len(said) < 2:
        return False
    return ((said[-2].get("parse_data") or {}).get("intent") or {}).get("name") == EVIDENCE_UPLOADED_INTENT


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
    if order.promotional_no_refund:  # said at once, before any reason is asked
        dispatcher.utter_message(text=replies.PROMOTION_NOT_REFUNDABLE)
    return {"order_id": order.order_id, "incident_instance": order.instance_id, "order_candidates": None}


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


def _form_was_active(tracker: Tracker) -> bool:
    """Whether the refund form was already going on before the customer's newest message."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    loops = [e.get("name") for e in events[:last_user] if e.get("event") == "active_loop"]
    return bool(loops) and loops[-1] == "refund_form"


def _clues(tracker: Tracker) -> OrderClues:
    message = tracker.latest_message
    return OrderClues.from_message(message.get("text") or "", message.get("entities", []), utcnow())


def names_own_order(tracker: Tracker, exactly: bool = False) -> bool:
    """The message names one of the customer's orders — by its id, or in words that fit at least
    one of them (bot.refunds.order_reference.names_an_order) — so whatever it asks about that
    order (can it be refunded, how much) is answered by the refund form for it. `exactly`: the
    words fit exactly one order, or several one by one (「2核4G的跟1T的流量包」) — specific enough
    to act on whatever the classifier read."""
    cid = customer_id(tracker)
    if cid is None:
        return False
    message = tracker.latest_message
    if any(e.get("entity") in ("order_id", "instance_id") for e in message.get("entities", [])):
        return True
    clues = _clues(tracker)
    if not names_an_order(clues, str(message.get("text") or "")):
        return False
    fitting = _fitting(cid, clues).orders
    if not exactly:
        return bool(fitting)
    return len(fitting) == 1 or len(_named_separately(cid, tracker)) > 1


def _fitting(cid: str, clues: OrderClues) -> OrderReference:
    """The orders the clues fit: among those in question, else among all the customer's orders."""
    service = services().refunds
    reference = resolve_order_reference(clues, service.orders_in_question(cid)[:20], utcnow())
    if reference.understood and not reference.orders:
        others = [o for o in service.orders_to_name(cid) if o not in service.orders_in_question(cid)][:20]
        return resolve_order_reference(clues, others, utcnow())
    return reference


def _order_named_in_words(dispatcher: CollectingDispatcher, cid: str, tracker: Tracker) -> Dict[Text, Any]:
    """The opening message's reference (「16G内存那台」「昨天下的单」「2核那台」), matched against
    every order the customer may mean (those being or already refunded included, so that the
    answer can say where they stand): one → that order; several → exactly those as buttons;
    none → say so (the list follows). No clue: the customer's only refundable order needs no tap.
    A position names nothing before a list was shown."""
    service = services().refunds
    clues = _clues(tracker)
    if clues.ordinal is not None:
        return {}
    reference = _fitting(cid, clues)
    if not reference.understood:
        refundable = service.refundable_orders(cid, limit=2)  # is there exactly one?
        return {"order_id": refundable[0].order_id} if len(refundable) == 1 else {}
    separately = _named_separately(cid, tracker)
    if len(separately) > 1:
        # 「2核4G那台和mysql数据库 都不要了」: one application at a time, the others next.
        dispatcher.utter_message(text=replies.several_named(separately[0], separately[1:]))
        return {"order_id": separately[0].order_id, "next_orders": [o.order_id for o in separately[1:]]}
    if len(reference.orders) == 1:
        return {"order_id": reference.orders[0].order_id}
    if not reference.orders:
        dispatcher.utter_message(text=replies.NO_ORDER_FITS)
        return {}
    dispatcher.utter_message(text=replies.which_of_several(len(reference.orders)))
    return {"order_candidates": [o.order_id for o in reference.orders]}


def _named_separately(cid: str, tracker: Tracker) -> List[Order]:
    """The orders a message names one by one (「2核4G那台和mysql数据库」): each joined part fits
    exactly one order of the customer's, and they differ; else none."""
    message = tracker.latest_message
    text = str(message.get("text") or "")
    parts = joined_parts(text)
    if len(parts) < 2:
        return []
    found: List[Order] = []
    for start, end in parts:
        entities = [e for e in message.get("entities", []) if start <= int(e.get("start", -1)) < end]
        clues = OrderClues.from_message(text[start:end], entities, utcnow())
        if clues == OrderClues():
            continue
        reference = _fitting(cid, clues)
        if len(reference.orders) != 1 or reference.orders[0] in found:
            return []
        found.append(reference.orders[0])
    return found


def _order_in_words(dispatcher: CollectingDispatcher, cid: str, tracker: Tracker) -> Dict[Text, Any]:
    """「8核16G那台」「第一个」「续费的那个」: match the clues against the orders the customer was
    offered (the candidates, if they were offered)."""
    service = services().refunds
    candidates = [o for o in (service.find_order(cid, order_id=i).order for i in tracker.get_slot("order_candidates") or [])
                  if o is not None]
    offered = candidates or service.refundable_orders(cid, limit=10)
    clues = _clues(tracker)
    reference = resolve_order_reference(clues, offered, utcnow())
    if candidates and reference.understood and not reference.orders and clues.ordinal is None:
        offered = service.refundable_orders(cid, limit=10)  # 「都不是，是数据库那个」
        reference = resolve_order_reference(clues, offered, utcnow())
    if reference.understood and not reference.orders and clues.ordinal is None:
        # Not among those offered: an order being (or already) refunded, asked about again.
        asked_again = [o for o in service.orders_in_question(cid) if o not in offered]
        again = resolve_order_reference(clues, asked_again, utcnow())
        if len(again.orders) == 1:
            return _accept_order(dispatcher, cid, again.orders[0])
    if not reference.understood:
        dispatcher.utter_message(text=replies.ORDER_NOT_RECOGNISED)
        return {"order_id": None, "order_candidates": [o.order_id for o in candidates] or None}
    if len(reference.orders) == 1:
        return {**_accept_order(dispatcher, cid, reference.orders[0]), "order_candidates": None}
    if not reference.orders:
        dispatcher.utter_message(text=replies.NO_ORDER_FITS)
        return {"order_id": None, "order_candidates": None}
    dispatcher.utter_message(text=replies.which_of_several(len(reference.orders)))
    return {"order_id": None, "order_candidates": [o.order_id for o in reference.orders]}


YES_NO_SLOTS = ("refund_confirmed", "duplicate_confirmed")
# What else a message that stops the form asks for, answered once the form is stopped.
AFTER_STOPPING = {"ask_refund_status": "ActionRefundStatus", "ask_refund_amount": "ActionRefundAmount",
                  "withdraw_ticket": "ActionWithdrawPrompt", "appeal_rejection": "ActionAppealRejection",
                  "ask_refund_policy": "ActionRefundPolicy"}
# What a new order or reason makes stale.
AFTER_ORDER = ("refund_confirmed", "shown_quote", "duplicate_confirmed", "incident_time", "incident_description",
               "evidence_links", "refund_blocked")


class ValidateRefundForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_refund_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        """Every message in the form is read once, in context (bot.nlu.reader), before any slot
        is validated: a stop, a pause, a corrected order or a changed reason is acted on as such
        instead of being stored as the answer to the question pending."""
        opening = self._opening_reference(dispatcher, tracker)
        if not _form_was_active(tracker) and not tracker.get_slot("requested_slot") \
                and tracker.get_slot("form_stopped") is None:
            # 「退款要多久到账？不想用了 帮我退掉」: the other requests answered before the form asks
            # (once: form_stopped=False marks the opening as read).
            opening = answer_side_requests(dispatcher, tracker, ("status", "question", "other")) + opening
            opening.append(SlotSet("form_stopped", False))
        tracker.add_slots(opening)
        events = self._read_turn(dispatcher, tracker)
        if events is None:
            # Slots outside the form's own (the candidates) are not returned by the validation.
            kept = [e for e in opening if e["name"] in ("order_candidates", "current_ticket", "form_stopped", "next_orders")]
            return kept + await super().run(dispatcher, tracker, domain)
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + ([next_slot] if next_slot else [])

    @staticmethod
    def _opening_reference(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
        """「那台2核4G退了没？没退的话帮我退掉」: the order the opening message's words fit."""
        cid = customer_id(tracker)
        named = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
        if (not cid or tracker.get_slot("order_id") or tracker.get_slot("requested_slot")
                or named & {"order_id", "instance_id"} or str(tracker.latest_message.get("text") or "").startswith("/")):
            return []
        return [SlotSet(k, v) for k, v in _order_named_in_words(dispatcher, cid, tracker).items()]

    def _read_turn(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
        """The events of a turn the reader settles itself, or None for the ordinary validation."""
        message = tracker.latest_message
        text = str(message.get("text") or "")
        if not text or text.startswith("/"):
            return None  # a button's payload
        pending = tracker.get_slot("requested_slot")
        entities = message.get("entities", [])
        reading = read(text, _intent(tracker), entities, pending, utcnow())
        cid = customer_id(tracker)
        # Whatever this turn's mappings stored for the pending question is replaced.
        drop = [SlotSet(pending, None)] if pending and pending not in YES_NO_SLOTS else []
        if reading.stops and pending and not (pending in YES_NO_SLOTS and _intent(tracker) == "deny"):
            dispatcher.utter_message(response="utter_refund_cancelled")
            return drop + [SlotSet("refund_blocked", True), SlotSet("form_stopped", True)]
        if pending == "refund_confirmed" and says_uploaded(text) and _after_upload_turn(tracker):
            # 「传好了」 as the evidence question asked, when the uploads already moved the form on
            # to the quote: no yes to filing, the quote is asked about again.
            dispatcher.utter_message(text=replies.UPLOADS_ALREADY_TAKEN)
            return [SlotSet("refund_confirmed", None)]
        if pending == "refund_confirmed" and reading.pauses:
            dispatcher.utter_message(text=replies.PAUSED_BEFORE_FILING)
            return [SlotSet("refund_confirmed", None)]
        if cid and tracker.get_slot("order_id") and reading.corrects:
            others = self._corrected_orders(cid, tracker, text)
            if len(others) > 1:
                # 「不对 是另一台」 with several left: exactly those offered, the question asked again.
                dispatcher.utter_message(text=replies.which_of_several(len(others)))
                reset = {slot: None for slot in AFTER_ORDER}
                return drop + [SlotSet(k, v) for k, v in reset.items()] + [
                    SlotSet("order_id", None), SlotSet("order_candidates", [o.order_id for o in others])]
            if others:
                changed: Dict[Text, Any] = {slot: None for slot in AFTER_ORDER}
                changed.update(_accept_order(dispatcher, cid, others[0]))
                if reading.reason:
                    changed["refund_reason"] = reading.reason
                # Asked for the reason, this turn's own mapping is no earlier answer to keep.
                earlier = None if pending == "refund_reason" else tracker.get_slot("refund_reason")
                return drop + [SlotSet(k, v) for k, v in changed.items()] + self._reason_events(
                    dispatcher, tracker, changed.get("refund_reason") or earlier, changed)
        if cid and tracker.get_slot("order_id") and reading.changes_reason and reading.reason \
                and reading.reason != tracker.get_slot("refund_reason"):
            changed = {slot: None for slot in AFTER_ORDER if slot != "refund_blocked"}
            return drop + [SlotSet(k, v) for k, v in changed.items()] + self._reason_events(
                dispatcher, tracker, reading.reason, changed)
        if pending in YES_NO_SLOTS and reading.confirms and _intent(tracker) not in ("affirm", "deny"):
            # 「对，后面那笔是多扣的」「那提交人工复核吧」: a yes in words the classifier read otherwise.
            return [SlotSet(pending, True)]
        if pending == "order_id" and cid and not tracker.get_slot("order_id") and _clues(tracker) != OrderClues():
            # 「RDS」「CDN那个」 read as something else: the clues answer the order question.
            return [SlotSet(k, v) for k, v in _order_in_words(dispatcher, cid, tracker).items()]
        return None

    def _reason_events(self, dispatcher: CollectingDispatcher, tracker: Tracker, reason: Optional[str],
                       changed: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not reason:
            return []
        # The new reason is the current one while it is checked (what the same message says about
        # a fault is then read as its details, not as yet another change of reason).
        tracker.add_slots([SlotSet(k, v) for k, v in changed.items()] + [SlotSet("refund_reason", reason)])
        result = self.validate_refund_reason(reason, dispatcher, tracker, {})
        return [SlotSet(k, v) for k, v in result.items()]

    @staticmethod
    def _corrected_orders(cid: str, tracker: Tracker, text: str) -> List[Order]:
        """The orders a correction can mean (「不是这个 是数据库那个」「打错了 是2026…」「不对 是另一台
        4核8G 不是续费的」): never the one being corrected; the words after what is ruled out
        describe it, and a kind ruled out (不是续费的) still narrows."""
        message = tracker.latest_message
        ids = [str(e["value"]) for e in message.get("entities", []) if e.get("entity") == "order_id"]
        service = services().refunds
        if ids:
            found = service.find_order(cid, order_id=ids[-1]).order
            return [found] if found is not None else []
        kept, entities = ruled_out_removed(text, message.get("entities", []))
        ruled_out = OrderClues.from_message(text, message.get("entities", []), utcnow()).not_kinds
        clues = OrderClues.from_message(kept, entities, utcnow())
        clues = replace(clues, kinds=clues.kinds - ruled_out, not_kinds=clues.not_kinds | ruled_out)
        current = tracker.get_slot("order_id")
        candidates = [o for o in service.orders_in_question(cid)[:20] if o.order_id != current]
        reference = resolve_order_reference(clues, candidates, utcnow())
        return list(reference.orders) if reference.understood else []

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
        return {}  # an order in words is read by run (the opening) or validate_order_id (the answer)

    async def extract_refund_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        """The reason said with the request, whatever the message was read as (「CDN流量包不想用了
        能退吗」「2026… 不用了 能退多少」): taken when the form opens."""
        if tracker.get_slot("refund_reason") or tracker.get_slot("requested_slot"):
            return {}
        message = tracker.latest_message
        text = str(message.get("text") or "")
        if text.startswith("/"):
            return {}
        reading = read(text, _intent(tracker), message.get("entities", []), None, utcnow())
        if reading.reason:
            return {"refund_reason": reading.reason}
        # The next of several orders named together: the reason said for them all.
        named = tracker.get_slot("order_id") or next((str(e.get("value")) for e in message.get("entities", [])
                                                      if e.get("entity") == "order_id"), None)
        carried = tracker.get_slot("carried_reason")
        return {"refund_reason": carried} if carried and named in (tracker.get_slot("next_orders") or []) else {}

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
        if reason == "service_issue":
            return {"refund_reason": reason, **self._fault_told(dispatcher, tracker)}
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

    def _fault_told(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """What the message that gave the fault as the reason already says about it: when it
        started (a date) and what went wrong (「老是断线 很不稳定」), so neither is asked again."""
        message = tracker.latest_message
        text = str(message.get("text") or "")
        entities = message.get("entities", [])
        spans = [(int(e["start"]), int(e["end"])) for e in entities if e.get("entity") == "date" and "start" in e]
        told: Dict[Text, Any] = {}
        if describes_fault(text, spans) and not tracker.get_slot("incident_description"):
            told["incident_description"] = text[:MAX_TEXT]
        if spans and not tracker.get_slot("incident_time"):
            time = self.validate_incident_time(text, dispatcher, tracker, {})
            if time.get("incident_time"):
                told["incident_time"] = time["incident_time"]
        return told

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
        cid = customer_id(tracker)
        if _intent(tracker) == EVIDENCE_UPLOADED_INTENT:
            # The website says files arrived on this conversation's upload page: they are the
            # evidence when the conversation really has uploads of this customer.
            files = services().uploads.for_conversation(cid, tracker.sender_id) if cid else []
            return {"evidence_links": replies.uploaded_files(len(files)) if files else None}
        changed = self._changed_answer("evidence_links", dispatcher, tracker, domain)
        if changed is not None:
            return changed
        text = str(value or "").strip()
        if cid and (says_uploaded(text) or confirms(text)):
            # 「传好了」, or 「确认」「好了 提交吧」 once something was uploaded: the uploads are the evidence.
            files = services().uploads.for_conversation(cid, tracker.sender_id)
            if files:
                return {"evidence_links": replies.uploaded_files(len(files))}
            if says_uploaded(text):
                dispatcher.utter_message(text=replies.NO_UPLOAD_YET)
                return {"evidence_links": None}
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
            # Kept until an order is taken: 「第二个」「CDN那个」 then read against exactly these.
            dispatcher.utter_message(text=replies.WHICH_ORDER, buttons=replies.as_buttons(named))
            return []
        instance_id = tracker.get_slot("instance_id")
        candidates = service.find_order(cid, instance_id=instance_id).candidates if instance_id else ()
        if candidates:
            dispatcher.utter_message(text=replies.which_order_of_instance(instance_id),
                                     buttons=replies.as_buttons(candidates))
            return []
        orders = service.refundable_orders(cid, limit=10)
        if not orders:
            dispatcher.utter_message(text=replies.NO_REFUNDABLE_ORDERS)
            return []
        dispatcher.utter_message(text=replies.PICK_OR_TYPE_ORDER,
                                 buttons=replies.as_buttons(orders))
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
            then = AFTER_STOPPING.get(_intent(tracker)) if tracker.get_slot("form_stopped") else None
            if then is not None:  # 「不退了，我就想看看之前那个退款到哪了」: stopped, then answered
                from actions import conversation, inquiries  # noqa: PLC0415 (they import this module)
                action = {**vars(inquiries), **vars(conversation)}[then]()
                return clear_form_events() + action.run(dispatcher, tracker, domain)
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
            return filed + clear_form_events() + self._offer_next(dispatcher, tracker, cid, order_id, reason)
        else:
            dispatcher.utter_message(text=replies.NOT_FILED)
        return clear_form_events()

    @staticmethod
    def _offer_next(dispatcher: CollectingDispatcher, tracker: Tracker, cid: str, filed: str,
                    reason: str) -> List[Dict[Text, Any]]:
        """After one of several orders named together is filed, the next one is offered (with the
        same reason); nothing when there is none left."""
        left = [i for i in tracker.get_slot("next_orders") or [] if i != filed]
        service = services().refunds
        upcoming = next((o for o in (service.find_order(cid, order_id=i).order for i in left) if o is not None), None)
        if upcoming is None:
            return []  # the form's clearing forgets them
        dispatcher.utter_message(text=replies.next_order_offer(upcoming), buttons=replies.next_order_button(upcoming))
        return [SlotSet("next_orders", left), SlotSet("carried_reason", reason)]

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
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "paused_form", "next_orders", "carried_reason")] + [
        SlotSet("requested_slot", None)]


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
