"""Keeping the resource: a downgrade quote for a server that is too big, an SLA compensation
claim for one that was down, and the customer's yes or no to either."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import customer_id
from bot.billing.models import Order
from bot.clock import utcnow
from bot.errors import NotFound
from bot.nlu.reader import asks_compensation, read, target_sizes, wants_upgrade
from bot.policy.config import Policy
from bot.policy.quote import Quote
from bot.refunds import change_replies as texts
from bot.refunds import replies, ticket_replies
from bot.refunds.order_reference import OrderClues, resolve_order_reference
from bot.refunds.service import QuoteChanged, RefundService, quote_fingerprint
from bot.tickets.ledger import LedgerRefused
from bot.vocabulary import TicketKind
from bot.wiring import services

MAX_NOTE = 2000
CLEARED = [SlotSet("pending_change", None), SlotSet("change_note", None)]


def _entities(tracker: Tracker) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for entity in tracker.latest_message.get("entities", []):
        found.setdefault(entity.get("entity"), str(entity.get("value")))
    return found


def _spec_clues(tracker: Tracker) -> List[str]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("entity") == "spec"]


def _named_order(service: RefundService, cid: str, entities: Dict[str, str]) -> Optional[Order]:
    """The order the message names by id or instance (only ever one of the customer's own)."""
    if entities.get("order_id"):
        return service.order(cid, entities["order_id"])
    if entities.get("instance_id"):
        return service.find_order(cid, instance_id=entities["instance_id"]).order
    return None


def _described(tracker: Tracker, candidates: List[Order]) -> Optional[Order]:
    """The one candidate the message's words describe (「8核那台」「前天断网那台」 by its size,
    product, price, date...): bot.nlu.reader's clues matched by bot.refunds.order_reference."""
    message = tracker.latest_message
    clues = OrderClues.from_message(str(message.get("text") or ""), message.get("entities", []), utcnow())
    # A day here is when the server was down or too big, not when it was bought.
    clues = replace(clues, day=None, bought_between=None)
    if clues.ordinal is not None and clues.spec is None:
        return None
    reference = resolve_order_reference(clues, candidates, utcnow())
    return reference.orders[0] if reference.understood and len(reference.orders) == 1 else None


def _single(orders: List[Order]) -> Optional[Order]:
    return orders[0] if len(orders) == 1 else None


def _context_order(tracker: Tracker, candidates: List[Order]) -> Optional[Order]:
    """The order the conversation is about, when it is among `candidates`."""
    return next((o for o in candidates if o.order_id == tracker.get_slot("order_id")), None)


def _has_outage(service: RefundService, cid: str, order: Order) -> bool:
    quote = service.quote_sla_claim(cid, order.order_id)
    return quote is not None and quote.rule != "no_outage_record"


def _already_taken(dispatcher: CollectingDispatcher, service: RefundService, cid: str, order: Order,
                   kind: TicketKind) -> bool:
    """Say so if the order has a ticket in progress, or one that settled it (a full refund)."""
    ticket = service.open_ticket(cid, order.order_id)
    if ticket is not None:
        dispatcher.utter_message(text=replies.ticket_already_open(ticket))
        return True
    given = service.given_back(cid, order.order_id, kind.value, "")
    if given is not None:
        dispatcher.utter_message(text=ticket_replies.already_given_back(given))
    return given is not None


class _KeepingAction(Action, ABC):
    """A guest is told how it works and asked to log in; a customer gets `act`."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        service = services().refunds
        cid = customer_id(tracker)
        if cid is None:
            dispatcher.utter_message(text=self.guest_text(service.policy))
            return CLEARED
        if self.confirms_pending(tracker, service, cid):
            # 「行 提交补偿申请」「降配确认」: a yes that names what it confirms, read as the request.
            return ActionConfirmChange().run(dispatcher, tracker, domain)
        return self.act(dispatcher, tracker, service, cid)

    def confirms_pending(self, tracker: Tracker, service: RefundService, cid: str) -> bool:
        """The message says yes to this kind's quote still pending, and names no other order or size."""
        pending = str(tracker.get_slot("pending_change") or "")
        kind, order_id, spec = (pending.split(":") + ["", "", ""])[:3]
        text = str(tracker.latest_message.get("text") or "")
        if kind != self.kind.value or text.startswith("/"):
            return False
        reading = read(text, "", tracker.latest_message.get("entities", []), "pending_change", utcnow())
        if not reading.confirms or reading.declines or reading.pauses or reading.stops or reading.corrects:
            return False
        named = _named_order(service, cid, _entities(tracker))
        if named is not None and named.order_id != order_id:
            return False
        clues = _spec_clues(tracker)
        if kind == TicketKind.DOWNGRADE.value and clues:
            chosen = texts.chosen_spec(service.downgrade_options(cid, order_id), None, clues)
            return chosen is not None and chosen.spec_code == spec
        described = _described(tracker, service.orders_in_question(cid))
        return described is None or described.order_id == order_id

    @property
    @abstractmethod
    def kind(self) -> TicketKind:
        """The kind of change this action quotes."""

    @abstractmethod
    def guest_text(self, policy: Policy) -> str:
        """How it works, for someone not logged in."""

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, service: RefundService,
            cid: str) -> List[Dict[Text, Any]]:
        """The customer's turn."""


class ActionDowngrade(_KeepingAction):
    """Which order, which smaller configuration, then the itemised quote and a confirmation."""

    def name(self) -> Text:
        return "action_downgrade"

    @property
    def kind(self) -> TicketKind:
        return TicketKind.DOWNGRADE

    def guest_text(self, policy: Policy) -> str:
        return texts.downgrade_guest(policy)

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, service: RefundService,
            cid: str) -> List[Dict[Text, Any]]:
        entities, clues = _entities(tracker), _spec_clues(tracker)
        if wants_upgrade(str(tracker.latest_message.get("text") or "")):  # 「不够用 想升到4核8G」: no refund
            dispatcher.utter_message(text=texts.UPGRADE_IN_CONSOLE)
            return CLEARED
        order = _named_order(service, cid, entities)
        if order is None:
            candidates = [o for o in service.refundable_orders(cid) if service.downgrade_options(cid, o.order_id)]
            # 「8核16G那台用不完」: a size that is one order's current configuration names it; with two
            # sizes (「8核16G的想换成4核8G」) the first is the server's, the second the new one.
            # 「换成2核4G吧」: a size said as the one to move to names no server.
            targets = target_sizes(str(tracker.latest_message.get("text") or ""), tracker.latest_message.get("entities", []))
            source = clues[:1] if len(clues) > 1 else [c for c in clues if c not in targets]
            sized = [o for o in candidates if texts.size_of(o.spec_name or o.product_name) in source]
            # 「2核4G就够了」 right after the offer is the new size of the order in question.
            context = _context_order(tracker, candidates)
            if context is not None and clues and not texts.chosen_spec(
                    service.downgrade_options(cid, context.order_id), None, clues):
                context = None
            # 「降到4核8G吧」: a downgrade is to a smaller size, so a size only one server can go down to names it.
            order = context or _single(sized) or (_described(tracker, candidates) if not clues else None) \
                or _single(service.downgradable_to(cid, candidates, clues)) or _single(candidates)
            if order is None:
                message = texts.WHICH_TO_DOWNGRADE if candidates else texts.NO_DOWNGRADE_ORDERS
                dispatcher.utter_message(text=message, buttons=texts.order_buttons(candidates, "request_downgrade"))
                return CLEARED
        if _already_taken(dispatcher, service, cid, order, TicketKind.DOWNGRADE):
            return CLEARED
        options = service.downgrade_options(cid, order.order_id)
        if not options:
            dispatcher.utter_message(text=texts.NO_CHEAPER_SPEC.format(order_id=order.order_id, name=order.product_name))
            return [SlotSet("order_id", order.order_id), *CLEARED]
        spec = texts.chosen_spec(options, entities.get("spec_code"), clues)
        if spec is None:
            current = texts.size_of(order.spec_name)
            typed = entities.get("spec_code") or next((c for c in clues if c != current), None)
            if typed and texts.bigger_size(typed, current):  # 「2核4G那台换成8核16G」: that is an upgrade
                dispatcher.utter_message(text=texts.UPGRADE_IN_CONSOLE)
                return [SlotSet("order_id", order.order_id), *CLEARED]
            lead = texts.SPEC_NOT_OFFERED.format(typed=texts.size_label(typed)) + "\n" if typed else ""
            dispatcher.utter_message(text=lead + texts.which_spec(order, service.policy),
                                     buttons=texts.spec_buttons(order, options))
            return [SlotSet("order_id", order.order_id), *CLEARED]
        quote = service.quote_downgrade(cid, order.order_id, spec.spec_code)
        if quote is None or not quote.eligible:
            dispatcher.utter_message(text=quote.explanation if quote else texts.CHANGED_SINCE_QUOTE,
                                     buttons=texts.HUMAN_BUTTONS)
            return [SlotSet("order_id", order.order_id), *CLEARED]
        # 「一是8核那台降到4核8G 二是宕机那台要补偿」: the compensation comes after this one.
        after = f"\n{texts.COMPENSATION_NEXT}" if asks_compensation(str(tracker.latest_message.get("text") or "")) else ""
        dispatcher.utter_message(text=f"{quote.explanation}\n\n{texts.DOWNGRADE_CONFIRM}{after}",
                                 buttons=texts.CONFIRM_BUTTONS)
        return [SlotSet("order_id", order.order_id),
                _pending(TicketKind.DOWNGRADE, order.order_id, quote, spec.spec_code)]


class ActionSlaClaim(_KeepingAction):
    """Which server was down, the compensation its outage records earn, and a confirmation; a
    claim the records do not show can still go to a reviewer."""

    def name(self) -> Text:
        return "action_sla_claim"

    @property
    def kind(self) -> TicketKind:
        return TicketKind.SLA_CLAIM

    def guest_text(self, policy: Policy) -> str:
        return texts.sla_guest(policy)

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, service: RefundService,
            cid: str) -> List[Dict[Text, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        note = [SlotSet("change_note", text[:MAX_NOTE])] if text and not text.startswith("/") else []
        order = _named_order(service, cid, _entities(tracker))
        if order is None:
            # Orders with a ticket in progress are not offered (refundable_orders leaves them out).
            running = [o for o in service.refundable_orders(cid) if o.instance_id]
            with_outage = [o for o in running if _has_outage(service, cid, o)]
            claimed = [t for t in (service.claimed(cid, o.order_id) for o in running) if t is not None]
            if not with_outage and len(claimed) == 1:  # 「补偿的代金券发了没？」: where that claim stands
                dispatcher.utter_message(text=ticket_replies.already_given_back(claimed[0], outage=True))
                return [SlotSet("current_ticket", claimed[0].ticket_id), *CLEARED]
            # 「8核16G那台昨天卡了一会」: the server the words describe, whether or not it was down.
            order = _described(tracker, running) or _single(with_outage) or _context_order(tracker, running) \
                or _single(running)
            if order is None:
                ordered = with_outage + [o for o in running if o not in with_outage]
                message = texts.WHICH_OUTAGE_ORDER if ordered else texts.NO_SERVICE_ORDERS
                dispatcher.utter_message(text=message, buttons=texts.order_buttons(ordered, "claim_compensation"))
                return [SlotSet("pending_change", None), *note]
        if _already_taken(dispatcher, service, cid, order, TicketKind.SLA_CLAIM):
            return CLEARED
        quote = service.quote_sla_claim(cid, order.order_id)
        pending = _pending(TicketKind.SLA_CLAIM, order.order_id, quote) if quote is not None else CLEARED[0]
        about = SlotSet("order_id", order.order_id)
        if quote is not None and quote.eligible:
            dispatcher.utter_message(text=f"{quote.explanation}\n\n{texts.SLA_CONFIRM}", buttons=texts.CONFIRM_BUTTONS)
            return [about, pending, *note]
        compensated = service.claimed(cid, order.order_id)
        if compensated is not None:  # that outage was compensated already: no second claim
            dispatcher.utter_message(text=ticket_replies.already_given_back(compensated, outage=True))
            return [about, SlotSet("current_ticket", compensated.ticket_id), *CLEARED]
        if quote is not None and quote.rule == "no_outage_record":
            dispatcher.utter_message(text=texts.sla_not_due(quote, order, service.policy),
                                     buttons=texts.STILL_CLAIM_BUTTONS)
            return [about, pending, *note]
        if quote is not None:
            dispatcher.utter_message(text=texts.sla_not_due(quote, order, service.policy), buttons=texts.HUMAN_BUTTONS)
        return [about, SlotSet("pending_change", None), *note]


class ActionConfirmChange(Action):
    """The customer said yes to the downgrade or SLA claim just quoted: file it (re-quoted from
    billing data, never from anything in the chat)."""

    def name(self) -> Text:
        return "action_confirm_change"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, pending = customer_id(tracker), tracker.get_slot("pending_change")
        if cid is None or not pending:
            dispatcher.utter_message(text=texts.NOTHING_PENDING)
            return CLEARED
        kind, order_id, spec, shown = (str(pending).split(":") + ["", "", ""])[:4]
        service = services().refunds
        try:
            if kind == TicketKind.DOWNGRADE.value and spec:
                filing = service.file_downgrade(cid, order_id, spec, conversation_id=tracker.sender_id, confirmed=shown)
            else:
                filing = service.file_sla_claim(cid, order_id, tracker.get_slot("change_note") or "",
                                                conversation_id=tracker.sender_id, confirmed=shown)
        except QuoteChanged as changed:  # not what was shown: show what it is now, ask again
            return _ask_again(dispatcher, TicketKind(kind) if kind in TicketKind.values() else TicketKind.SLA_CLAIM,
                              order_id, spec, changed.quote)
        except NotFound:
            dispatcher.utter_message(text=texts.CHANGED_SINCE_QUOTE)
            return CLEARED
        except LedgerRefused as refused:  # the order or the outage gave it already: where that stands
            given = service.ticket(cid, refused.reference) if refused.reference else None
            dispatcher.utter_message(text=ticket_replies.already_given_back(given, outage=kind == TicketKind.SLA_CLAIM)
                                     if given is not None else str(refused))
            return CLEARED
        if filing.created:
            dispatcher.utter_message(text=texts.change_filed(filing.ticket, services().pages))
        else:
            dispatcher.utter_message(text=replies.ticket_already_open(filing.ticket))
        return [*CLEARED, SlotSet("current_ticket", filing.ticket.ticket_id)]


def _pending(kind: TicketKind, order_id: str, quote: Quote, spec_code: str = "") -> Dict[Text, Any]:
    """The change awaiting the customer's yes, bound to the quote just shown."""
    return SlotSet("pending_change", f"{kind.value}:{order_id}:{spec_code}:{quote_fingerprint(kind.value, quote)}")


def _ask_again(dispatcher: CollectingDispatcher, kind: TicketKind, order_id: str, spec_code: str,
               quote: Quote) -> List[Dict[Text, Any]]:
    """The quote changed between showing and confirming: nothing filed; the new one, asked again."""
    fileable = quote.eligible or (kind == TicketKind.SLA_CLAIM and quote.rule == "no_outage_record")
    if not fileable:
        dispatcher.utter_message(text=f"{texts.QUOTE_CHANGED}\n{quote.explanation}", buttons=texts.HUMAN_BUTTONS)
        return CLEARED
    confirm = texts.DOWNGRADE_CONFIRM if kind == TicketKind.DOWNGRADE else texts.SLA_CONFIRM
    dispatcher.utter_message(text=f"{texts.QUOTE_CHANGED}\n{quote.explanation}\n\n{confirm}",
                             buttons=texts.CONFIRM_BUTTONS)
    return [_pending(kind, order_id, quote, spec_code)]


class ActionDeclineChange(Action):
    def name(self) -> Text:
        return "action_decline_change"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=texts.CHANGE_DECLINED)
        return CLEARED
