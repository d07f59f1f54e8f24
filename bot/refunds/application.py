"""The website's refund application (「申请退款」): what the chat's refund form and its downgrade
and SLA-claim offers do (actions/refund_form.py, actions/changes.py), for a form. The same use
cases of RefundService (precheck, given back, quote, file), the same policy, the same field
rules (a described problem, an owned instance, a time not in the future, duplicate charges
confirmed) and the same ticket, bound to the quote the customer confirmed.

A web application has no conversation: its uploaded files wait under a draft key (`web-…`,
or `mail-<id>` where the e-mail intake kept a message's attachments) and join the ticket in
the transaction that files it."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from bot.billing.models import Order, Payment, Spec
from bot.clock import CUSTOMER_TZ, format_customer_time
from bot.errors import NotFound
from bot.nlu.form_answers import evidence_links
from bot.policy.explain import REFUSAL_REASONS
from bot.policy.quote import Quote
from bot.refunds import form_texts as texts
from bot.refunds import replies
from bot.refunds.service import Channel, Filing, RefundService, quote_fingerprint
from bot.tickets.models import Ticket
from bot.uploads.store import UploadStore
from bot.vocabulary import RefundReason, TicketKind

MAX_TEXT = 2000  # what the chat keeps of a description, too
# A web application's own draft, or the e-mail whose attachments it brings (bot/mail/intake.py).
DRAFT = re.compile(r"^(?:web-[0-9a-f]{32}|mail-\d{1,18})$")
INSTANCE = re.compile(r"^ins-[a-z0-9]{8}$")
ORDER_ID = re.compile(r"^\d{16}$")
# What a form field may hold before it is even looked at (longer input is cut, then refused).
FIELD_LIMITS = {"order_id": 32, "kind": 16, "reason": 32, "spec_code": 32, "incident_time": 40,
                "incident_instance": 32, "description": MAX_TEXT + 1, "links": MAX_TEXT + 1, "draft": 64}
# The chat's rule: a moment up to an hour ahead counts as now (clocks differ).
FUTURE_SLACK = timedelta(hours=1)


def new_draft() -> str:
    """A fresh key for a web application's uploads."""
    return f"web-{secrets.token_hex(16)}"


@dataclass(frozen=True)
class Application:
    """What the customer filled in (strings as typed; checked by `SelfService.problems`)."""

    order_id: str = ""
    kind: str = TicketKind.REFUND.value
    reason: str = ""
    spec_code: str = ""
    incident_time: str = ""  # as typed, Beijing time ("2026-11-23 20:00"; see incident_moment)
    time_unknown: bool = False
    incident_instance: str = ""
    description: str = ""
    links: str = ""
    duplicate_confirmed: bool = False
    draft: str = ""

    @classmethod
    def from_form(cls, get: Callable[[str], Optional[str]]) -> "Application":
        """From form fields (`get(name)` → value or None), trimmed and cut to their limits."""
        def text(name: str) -> str:
            return (get(name) or "").strip()[:FIELD_LIMITS[name]]

        return cls(order_id=text("order_id"), kind=text("kind"), reason=text("reason"), spec_code=text("spec_code"),
                   incident_time=text("incident_time"), time_unknown=bool(get("time_unknown")),
                   incident_instance=text("incident_instance"), description=text("description"),
                   links=text("links"), duplicate_confirmed=bool(get("duplicate_confirmed")),
                   draft=text("draft")).relevant()

    def relevant(self) -> "Application":
        """Only what the chosen kind and reason ask for (the rest is dropped, as the chat's
        tickets keep the fields of their reason only)."""
        base = Application(order_id=self.order_id, kind=self.kind, draft=self.draft)
        if self.kind == TicketKind.DOWNGRADE:
            return replace(base, spec_code=self.spec_code)
        if self.kind == TicketKind.SLA_CLAIM:
            return replace(base, description=self.description)
        if self.reason == RefundReason.SERVICE_ISSUE:
            return replace(base, reason=self.reason, incident_time="" if self.time_unknown else self.incident_time,
                           time_unknown=self.time_unknown, incident_instance=self.incident_instance,
                           description=self.description, links=self.links)
        if self.reason == RefundReason.DUPLICATE_PAYMENT:
            return replace(base, reason=self.reason, duplicate_confirmed=self.duplicate_confirmed)
        return replace(base, reason=self.reason)

    def as_form(self) -> Dict[str, str]:
        """The fields as hidden inputs carry them from page to page."""
        return {key: ("1" if value is True else "" if value is False else str(value))
                for key, value in asdict(self).items()}

    def digest(self) -> str:
        """What a confirmation is bound to: every field of the application."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def accepts_uploads(self) -> bool:
        return self.kind == TicketKind.SLA_CLAIM or self.reason == RefundReason.SERVICE_ISSUE


@dataclass(frozen=True)
class OrderChoice:
    """One of the customer's orders as the application lists it."""

    order: Order
    state: str  # what billing says about the service, in Chinese
    kinds: Tuple[str, ...] = ()  # what can be applied for now (empty: nothing)
    blocked: Optional[str] = None  # why nothing can (Chinese)
    ticket: Optional[Ticket] = None  # the ticket in progress, or the one that gave it back

    @property
    def paid(self) -> Decimal:
        """What the order cost the customer (its first successful payment)."""
        payment = self.order.primary_payment
        return payment.amount if payment is not None else self.order.amount_due


@dataclass(frozen=True)
class Offer:
    """The quote for an application, as the page shows it before the customer confirms."""

    application: Application
    quote: Optional[Quote] = None
    fingerprint: str = ""
    fileable: bool = False  # it can be confirmed (eligible, or a manual review the policy allows)
    blocked: Optional[str] = None  # why it cannot be filed (besides the quote's own explanation)
    ticket: Optional[Ticket] = None  # the ticket that already gives it back

    @property
    def manual_review(self) -> bool:
        return self.fileable and self.quote is not None and not self.quote.eligible


class AlreadyFiled(Exception):
    """A ticket was filed for the order after the quote was shown (this very confirmation sent
    again, or another one): nothing is filed again. `ticket` is that one (open or not)."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__(f"already filed as {ticket.ticket_id}")
        self.ticket = ticket


@dataclass
class Problems:
    """Field → what is wrong with it (Chinese); empty when the application can be quoted."""

    fields: Dict[str, str] = field(default_factory=dict)
    choice: Optional[OrderChoice] = None

    def __bool__(self) -> bool:
        return bool(self.fields)


class SelfService:
    """The website's refund application for one customer per call, over the chat's use cases."""

    def __init__(self, refunds: RefundService, uploads: UploadStore) -> None:
        self._refunds = refunds
        self._uploads = uploads

    # --- choosing the order ---------------------------------------------------------------------

    def orders(self, customer_id: str) -> List[OrderChoice]:
        """Every order of the customer, newest first, with what can be applied for."""
        return [self._choice(customer_id, order) for order in self._refunds.orders(customer_id)]

    def choice(self, customer_id: str, order_id: str) -> Optional[OrderChoice]:
        """One of the customer's orders (None for an unknown one or another customer's)."""
        if not ORDER_ID.match(order_id or ""):
            return None
        order = self._refunds.order(customer_id, order_id)
        return self._choice(customer_id, order) if order is not None else None

    def _choice(self, customer_id: str, order: Order) -> OrderChoice:
        state = self._state(order)
        check = self._refunds.precheck(customer_id, order)
        if check.open_ticket is not None:
            return OrderChoice(order, state, blocked=texts.open_ticket(check.open_ticket), ticket=check.open_ticket)
        if check.settled_by is not None:
            return OrderChoice(order, state, blocked=texts.settled(check.settled_by), ticket=check.settled_by)
        if check.refusal is not None:
            return OrderChoice(order, state, blocked=REFUSAL_REASONS.get(check.refusal.rule, check.refusal.explanation))
        kinds = [TicketKind.REFUND.value]
        running = order.status == "active" and order.activated_at <= self._refunds.clock()
        if running and self._refunds.downgrade_options(customer_id, order.order_id):
            kinds.append(TicketKind.DOWNGRADE.value)
        if running and order.instance_id:
            kinds.append(TicketKind.SLA_CLAIM.value)
        return OrderChoice(order, state, kinds=tuple(kinds))

    def _state(self, order: Order) -> str:
        return order_state(order, self._refunds.clock())

    # --- what each choice asks --------------------------------------------------------------------

    def downgrade_options(self, customer_id: str, order_id: str) -> List[Spec]:
        return self._refunds.downgrade_options(customer_id, order_id)

    def duplicate_payments(self, customer_id: str, order_id: str) -> Tuple[Optional[Payment], Sequence[Payment]]:
        """The payment that settled the order and the ones billing shows as charged again."""
        order = self._refunds.order(customer_id, order_id)
        if order is None:
            return None, ()
        return order.primary_payment, order.duplicate_payments

    def problems(self, customer_id: str, application: Application) -> Problems:
        """What is wrong with the application, field by field (the chat form's rules)."""
        found = Problems()
        choice = self.choice(customer_id, application.order_id)
        found.choice = choice
        if application.draft and not DRAFT.match(application.draft):
            found.fields["draft"] = texts.DRAFT_INVALID
        if choice is None:
            found.fields["order_id"] = texts.ORDER_NOT_FOUND if application.order_id else texts.CHOOSE_ORDER
            return found
        if choice.blocked is not None:
            found.fields["order_id"] = choice.blocked
            return found
        if application.kind not in choice.kinds:
            found.fields["kind"] = texts.KIND_NOT_OFFERED if application.kind else texts.CHOOSE_KIND
            return found
        if application.kind == TicketKind.DOWNGRADE:
            specs = {s.spec_code for s in self.downgrade_options(customer_id, application.order_id)}
            if application.spec_code not in specs:
                found.fields["spec_code"] = texts.CHOOSE_SPEC
        elif application.kind == TicketKind.SLA_CLAIM:
            self._text(found, "description", application.description, required=False)
        else:
            self._refund_fields(found, customer_id, application)
        return found

    def _refund_fields(self, found: Problems, customer_id: str, application: Application) -> None:
        reason = RefundReason.parse(application.reason)
        if reason is None:
            found.fields["reason"] = texts.CHOOSE_REASON
        elif reason == RefundReason.SERVICE_ISSUE:
            self._incident_time(found, application)
            instance = application.incident_instance.lower()
            if not INSTANCE.match(instance):
                found.fields["incident_instance"] = texts.INSTANCE_FORMAT
            elif not self._refunds.owns_instance(customer_id, instance):
                found.fields["incident_instance"] = texts.instance_not_yours(instance)
            self._text(found, "description", application.description, required=True)
            self._text(found, "links", application.links, required=False)
        elif reason == RefundReason.DUPLICATE_PAYMENT:
            _, duplicates = self.duplicate_payments(customer_id, application.order_id)
            if duplicates and not application.duplicate_confirmed:
                found.fields["duplicate_confirmed"] = texts.DUPLICATE_NOT_CONFIRMED

    def _incident_time(self, found: Problems, application: Application) -> None:
        if application.time_unknown:
            return
        if not application.incident_time:
            found.fields["incident_time"] = texts.TIME_NEEDED
            return
        moment = incident_moment(application.incident_time)
        if moment is None:
            found.fields["incident_time"] = texts.TIME_NOT_A_TIME
        elif moment > self._refunds.clock() + FUTURE_SLACK:
            found.fields["incident_time"] = texts.TIME_IN_FUTURE

    @staticmethod
    def _text(found: Problems, name: str, value: str, required: bool) -> None:
        if len(value) > MAX_TEXT:
            found.fields[name] = texts.text_too_long(MAX_TEXT, len(value))
        elif required and len(value) < 2:
            found.fields[name] = texts.DESCRIPTION_NEEDED

    # --- the quote and the confirmation -------------------------------------------------------------

    def offer(self, customer_id: str, application: Application) -> Offer:
        """The quote of a checked application, and whether it can be confirmed (as the chat
        decides it: eligible, or a refusal the policy lets a reviewer look at)."""
        order_id = application.order_id
        if application.kind == TicketKind.DOWNGRADE:
            quote = self._refunds.quote_downgrade(customer_id, order_id, application.spec_code)
            return self._offer(application, quote, quote is not None and quote.eligible)
        if application.kind == TicketKind.SLA_CLAIM:
            compensated = self._refunds.claimed(customer_id, order_id)
            if compensated is not None:
                return Offer(application, blocked=texts.compensated(compensated), ticket=compensated)
            quote = self._refunds.quote_sla_claim(customer_id, order_id)
            fileable = quote is not None and (quote.eligible or quote.rule == "no_outage_record")
            return self._offer(application, quote, fileable)
        given = self._refunds.given_back(customer_id, order_id, TicketKind.REFUND.value, application.reason)
        if given is not None:
            return Offer(application, blocked=texts.settled(given), ticket=given)
        quote = self._refunds.quote(customer_id, order_id, application.reason)
        if application.reason == RefundReason.DUPLICATE_PAYMENT and quote is not None and not quote.eligible:
            return self._offer(application, quote, False)
        fileable = quote is not None and (quote.eligible or "manual_review" in quote.alternatives)
        return self._offer(application, quote, fileable)

    @staticmethod
    def _offer(application: Application, quote: Optional[Quote], fileable: bool) -> Offer:
        if quote is None:
            return Offer(application, blocked=texts.ORDER_NOT_FOUND)
        return Offer(application, quote, quote_fingerprint(application.kind, quote), fileable)

    def file(self, customer_id: str, application: Application, fingerprint: str, shown_at: datetime) -> Filing:
        """File exactly the quote the customer confirmed (`fingerprint`, shown at `shown_at`):
        QuoteChanged if it is not the quote now, LedgerRefused if the order has nothing left for
        it, NotFound for an order not theirs. A confirmation files one ticket at most: once a
        ticket of the order was filed after the quote was shown, AlreadyFiled names it."""
        used = self.filed_since(customer_id, application.order_id, shown_at)
        if used is not None:
            raise AlreadyFiled(used)
        channel = Channel(texts.CHANNEL_NAME, application.draft or None)
        order_id = application.order_id
        if application.kind == TicketKind.DOWNGRADE:
            return self._refunds.file_downgrade(customer_id, order_id, application.spec_code, confirmed=fingerprint,
                                                channel=channel)
        if application.kind == TicketKind.SLA_CLAIM:
            return self._refunds.file_sla_claim(customer_id, order_id, application.description, confirmed=fingerprint,
                                                channel=channel)
        if RefundReason.parse(application.reason) is None:
            raise NotFound(f"refund reason {application.reason!r}")
        details, evidence = self._refund_answers(customer_id, application)
        return self._refunds.file(customer_id, order_id, application.reason, details, evidence,
                                  confirmed=fingerprint, channel=channel)

    def _refund_answers(self, customer_id: str, application: Application) -> Tuple[dict, List[Tuple[str, str]]]:
        """The ticket's details and evidence, as the chat's form stores them."""
        details: dict = {}
        evidence: List[Tuple[str, str]] = []
        if application.reason == RefundReason.SERVICE_ISSUE:
            links = evidence_links(application.links)
            files = self._uploads.for_draft(customer_id, application.draft) if application.draft else []
            described = [*links] if links else ([application.links] if application.links else [])
            if files:
                described.append(replies.uploaded_files(len(files)))
            details = {"incident_time": stored_time(application), "incident_instance": application.incident_instance.lower(),
                       "incident_description": application.description,
                       "evidence_links": "\n".join(described) or replies.NO_EVIDENCE_GIVEN}
            evidence = [("text", application.description)] + [("link", link) for link in links]
        elif application.reason == RefundReason.DUPLICATE_PAYMENT:
            _, duplicates = self.duplicate_payments(customer_id, application.order_id)
            if duplicates:
                details = {"duplicate_confirmed": True}
            evidence = [("transaction", p.txn_id) for p in duplicates]
        return details, evidence

    def filed_since(self, customer_id: str, order_id: str, moment: datetime) -> Optional[Ticket]:
        """The ticket filed for the order since `moment` (a quote shown, a link made), if any."""
        floor = moment.replace(microsecond=0)
        return next((t for t in self._refunds.tickets_for(customer_id)
                     if t.order_id == order_id and t.created_at >= floor), None)


# 「2026-11-23 20:30」「2026/11/23 20:30」「2026年11月23日 20点30分」「2026-11-23T20:30」, the time optional.
TYPED_MOMENT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                          r"(?:\s*[T ]?\s*(\d{1,2})\s*(?:[:：点时]\s*(?:(\d{1,2})\s*分?)?)?)?(?::\d{2}(?:\.\d+)?)?")


def incident_moment(value: str) -> Optional[datetime]:
    """The moment a form's time field or a mail link gives, read as Beijing time unless it
    names its zone; None if it is not one."""
    text = (value or "").strip()
    if len(text) > FIELD_LIMITS["incident_time"]:  # no time is longer; and the pattern below
        return None  # backtracks cubically over long runs of spaces, so it never sees more
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        typed = TYPED_MOMENT.fullmatch(text)
        if typed is None:
            return None
        year, month, day, hour, minute = (int(part) if part else 0 for part in typed.groups())
        try:
            moment = datetime(year, month, day, hour, minute)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CUSTOMER_TZ)
    return moment if 2000 <= moment.year <= 2100 else None


def typed_moment(moment: datetime) -> str:
    """How the form's time field shows a moment (Beijing time)."""
    return moment.astimezone(CUSTOMER_TZ).strftime("%Y-%m-%d %H:%M")


def stored_time(application: Application) -> str:
    """The incident time as the ticket keeps it (the chat: the resolved date and the words typed)."""
    moment = incident_moment(application.incident_time) if application.incident_time else None
    if moment is None:
        return texts.TIME_UNKNOWN
    return texts.incident_time_stored(moment.isoformat(), format_customer_time(moment))


def order_state(order: Order, now: datetime) -> str:
    """The order's state as customers and staff read it (服务中, 已到期, 已退订…)."""
    if order.status in ("refunded", "released"):
        return texts.ORDER_RELEASED
    if order.billing_mode == "payg":
        return texts.ORDER_PAYG
    if order.expires_at is not None and order.expires_at <= now:
        return texts.ORDER_EXPIRED
    if order.activated_at > now:
        return texts.ORDER_NOT_STARTED
    return texts.ORDER_ACTIVE
