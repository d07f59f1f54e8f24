"""What the intake does with each received message.

Identity from e-mail is weak: a From line can be forged. So nothing about an account is
disclosed or done because of it:
* an unknown sender is told how to apply, and nothing else (the reply goes to the envelope
  sender, RFC 3834);
* a message from a customer's registered address is answered *at the registered address* (never
  a Reply-To): one-time links that open the application form prefilled or a ticket's page, and
  ticket status. The money decision is confirmed on the website after login;
* a reply on one of our messages' threads (it names our unguessable Message-ID, which went only
  to the registered address) from that address adds material to the ticket or reaches its agent;
* what an agent must handle (a complaint, a wish for a person, something the reader could not
  place, more orders than links) becomes an e-mail work item with the whole message and its
  attachments.
Robots (auto-replies, bounces, lists, loops) and floods are kept and never answered. Every
message is kept whole whatever happens; a failure leaves it with an agent.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, List, Optional, Sequence, Tuple

from bot.billing.models import Customer
from bot.clock import utcnow
from bot.errors import NotFound
from bot.mail import texts
from bot.mail.attachments import candidates
from bot.mail.compose import compose, new_message_id
from bot.mail.links import APPLY, TICKET, MailLinks
from bot.mail.parse import MESSAGE_ID, ParsedMail, parse
from bot.mail.reading import MailReading, read_mail
from bot.mail.robots import robot_reason
from bot.mail.store import MailStore
from bot.observability import metrics
from bot.security.tokens import UploadGrant
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.models import Ticket
from bot.tickets.workflow import InvalidRequest
from bot.uploads.store import UploadRejected
from bot.vocabulary import HandoffKind, MailOutcome, MailRequest, TicketStatus
from bot.wiring import Services

logger = logging.getLogger(__name__)
FLOOD_WINDOW = timedelta(hours=1)
REFUSE_FACTOR = 5      # past this many times the answered allowance, SMTP says "try later"
MAX_LINKS = 3          # application links in one reply; more orders go to an agent
MAX_STATUS = 5
AGENT_REQUESTS = {MailRequest.COMPLAINT: "mail_complaint", MailRequest.HUMAN: "mail_complaint"}
AUTH_LABELS = {True: "通过（DKIM/DMARC；仅供参考，不代表身份已核实）", False: "未通过（仅供参考）",
               None: "邮件服务器未提供"}


@dataclass
class Answer:
    """What is being done about one message: the reply and where it is recorded."""

    reply: texts.Reply
    outcome: MailOutcome = MailOutcome.WORK_ITEM
    ticket_id: Optional[str] = None
    handoff_id: Optional[int] = None
    notes: List[str] = field(default_factory=list)


class MailIntake:
    def __init__(self, services: Services, store: MailStore, links: MailLinks,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.services = services
        self.settings = services.settings
        self.store = store
        self.links = links
        self.clock = clock

    # --- during the SMTP transaction ----------------------------------------------------------

    def refuses_sender(self, envelope_from: str) -> bool:
        """Far past the flood limit: the sender's server is told to try later (nothing is lost)."""
        if not envelope_from:
            return False
        limit = self.settings.mail.per_sender_per_hour * REFUSE_FACTOR
        return self.store.received_since(envelope_from, self.clock() - FLOOD_WINDOW) >= limit

    # --- after it ------------------------------------------------------------------------------

    def receive(self, raw: bytes, envelope_from: str) -> int:
        """Keep and handle one message; its record's id. Raises only when it could not be kept
        (the SMTP server then says "try later")."""
        started = time.perf_counter()
        envelope_from = (envelope_from or "").strip("<> ").lower()[:254]
        digest = self.store.keep_raw(raw)
        mail = parse(raw)
        mail_id = self.store.record(message_id=(mail.message_id or "")[:255] or None, envelope_from=envelope_from,
                                    from_address=mail.from_address, subject=mail.subject, size=len(raw), sha256=digest,
                                    text=mail.text, outcome=MailOutcome.FAILED, note="processing",
                                    auth_passed=mail.auth_passed)
        try:
            outcome = self._handle(mail_id, mail, envelope_from)
        except Exception:  # kept whole: an agent takes it over
            logger.exception("mail %s could not be handled automatically", mail_id)
            outcome = self._failed(mail_id, mail)
        metrics.MAIL_RECEIVED.labels(outcome=str(outcome)).inc()
        metrics.MAIL_SECONDS.observe(time.perf_counter() - started)
        return mail_id

    def _handle(self, mail_id: int, mail: ParsedMail, envelope_from: str) -> MailOutcome:
        robot = robot_reason(mail, envelope_from, self.settings.mail.address)
        if robot is not None:
            if robot in ("null_sender", "report"):
                self.store.bounced(MESSAGE_ID.findall(mail.text) + mail.in_reply_to + mail.references)
            return self._finish(mail_id, MailOutcome.AUTOMATIC, robot)
        if self.store.delivered_before(mail.message_id, mail.from_address, mail_id):
            return self._finish(mail_id, MailOutcome.DUPLICATE)
        sender = mail.from_address or envelope_from
        if self.store.received_since(sender, self.clock() - FLOOD_WINDOW) > self.settings.mail.per_sender_per_hour:
            return self._finish(mail_id, MailOutcome.FLOOD, sender)
        customer = self.services.customers.by_email(mail.from_address)
        if customer is None:
            return self._unknown_sender(mail_id, mail, envelope_from)
        answer = self._answer(mail_id, mail, customer)
        to = self.services.customers.email_of(customer.customer_id)
        if to:
            self._send(answer, to, customer, mail)
        return self._finish(mail_id, answer.outcome, "; ".join(answer.notes), answer.ticket_id, answer.handoff_id,
                            customer.customer_id)

    def _unknown_sender(self, mail_id: int, mail: ParsedMail, envelope_from: str) -> MailOutcome:
        reply = texts.Reply(texts.subject_for(mail.subject), texts.how_to_apply(self.settings.site_url))
        to = envelope_from or mail.from_address
        if to:
            self._send(Answer(reply), to, None, mail)
        return self._finish(mail_id, MailOutcome.UNKNOWN_SENDER)

    def _answer(self, mail_id: int, mail: ParsedMail, customer: Customer) -> Answer:
        thread = self.store.thread([*mail.in_reply_to, *mail.references])
        if thread is not None and thread.customer_id == customer.customer_id:
            if thread.ticket_id:
                return self._material(mail_id, mail, customer, thread.ticket_id)
            if thread.handoff_id and self.services.handoffs.customer_wrote_again(
                    thread.handoff_id, mail.own_text or mail.subject):
                reply = texts.Reply(texts.subject_for(mail.subject), [texts.reached_agent()])
                return Answer(reply, MailOutcome.WORK_ITEM, handoff_id=thread.handoff_id)
        reading = read_mail(mail.subject, mail.own_text, self.clock())
        return self._requests(mail_id, mail, customer, reading)

    # --- a reply on a ticket's thread ---------------------------------------------------------

    def _material(self, mail_id: int, mail: ParsedMail, customer: Customer, ticket_id: str) -> Answer:
        reply = texts.Reply(texts.subject_for(mail.subject))
        ticket = self.services.workflow.get_customers(customer.customer_id, ticket_id)
        if ticket is None or not ticket.is_open:
            answer = Answer(reply, MailOutcome.WORK_ITEM, ticket_id=ticket.ticket_id if ticket else None)
            answer.handoff_id = self._work_item(mail_id, mail, customer.customer_id, "mail_thread", answer.ticket_id)
            reply.add(texts.material_ticket_closed(ticket_id))
            return answer
        kept, notes = self._keep_files(customer.customer_id, mail_id, mail, ticket.ticket_id)
        answer = Answer(reply, MailOutcome.MATERIAL_ADDED, ticket_id=ticket.ticket_id)
        if ticket.status == TicketStatus.NEEDS_INFO and self._supplement(customer.customer_id, ticket, mail, kept):
            answer.notes.append("supplement")
        else:  # nothing to move: whoever works the ticket is told there is more
            answer.handoff_id = self._work_item(mail_id, mail, customer.customer_id, "mail_material", ticket.ticket_id)
        reply.add(texts.material_received(ticket.ticket_id, kept, bool(mail.own_text.strip())),
                  texts.attachments_refused(notes))
        return answer

    def _supplement(self, customer_id: str, ticket: Ticket, mail: ParsedMail, files: int) -> bool:
        said = mail.own_text.strip()[:2000]
        evidence = [("text", f"（邮件补充）{said}" if said else f"（邮件补充了 {files} 个附件）")]
        try:
            self.services.workflow.supplement(customer_id, ticket.ticket_id, evidence)
        except (NotFound, IllegalTransition, InvalidRequest):
            return False
        return True

    # --- a new message ------------------------------------------------------------------------

    def _requests(self, mail_id: int, mail: ParsedMail, customer: Customer, reading: MailReading) -> Answer:
        cid = customer.customer_id
        answer = Answer(texts.Reply(texts.subject_for(mail.subject)))
        tickets = {t.ticket_id: t for t in self.services.workflow.for_customer(cid)}
        named = [tickets[t] for t in reading.ticket_ids if t in tickets]
        missing = [t for t in reading.ticket_ids if t not in tickets]
        wants = set(reading.requests)
        facts_only = not wants and bool(reading.order_ids or reading.reason)
        agent_reason = next((AGENT_REQUESTS[r] for r in reading.requests if r in AGENT_REQUESTS), None)
        if MailRequest.REFUND in wants or facts_only:
            self._apply_links(mail_id, cid, reading, answer)
            if len(reading.order_ids) > MAX_LINKS:
                agent_reason = agent_reason or "mail_complex"
        if MailRequest.STATUS in wants:
            self._statuses(cid, named or _current(tickets.values()), missing, answer)
        for action in (MailRequest.WITHDRAW, MailRequest.APPEAL):
            if action in wants:
                self._action_links(cid, action, named or _actionable(tickets.values(), action), answer)
        if not reading.placed:
            agent_reason = "mail_unclear"
        kept, notes = self._keep_files(cid, mail_id, mail, None)
        answer.reply.add(texts.attachments_kept(kept), texts.attachments_refused(notes))
        if agent_reason is not None:
            ticket_id = named[0].ticket_id if named else None
            answer.handoff_id = self._work_item(mail_id, mail, cid, agent_reason, ticket_id)
            answer.outcome, answer.ticket_id = MailOutcome.WORK_ITEM, ticket_id
            hours = self.services.handoffs.support.current().describe()
            answer.reply.add(texts.not_understood() if agent_reason == "mail_unclear" else texts.handed_to_agent(hours))
        return answer

    def _apply_links(self, mail_id: int, cid: str, reading: MailReading, answer: Answer) -> None:
        prefill = {"reason": reading.reason, "incident_time": reading.incident_time,
                   "description": reading.description, "conversation_id": f"mail-{mail_id}"}
        orders: Sequence[Optional[str]] = reading.order_ids[:MAX_LINKS] or [None]
        links = [(order, self.links.issue(cid, APPLY, prefill={**prefill, "order_id": order})) for order in orders]
        answer.reply.add(*texts.apply_links(links),
                         texts.what_we_read(reading.order_ids[:MAX_LINKS], reading.reason, reading.incident_time),
                         texts.NOT_YOU)
        answer.outcome = MailOutcome.LINK_SENT

    def _statuses(self, cid: str, shown: Sequence[Ticket], missing: Sequence[str], answer: Answer) -> None:
        shown = list(shown)[:MAX_STATUS]
        urls = [self.links.issue(cid, TICKET, ticket_id=t.ticket_id) for t in shown]
        answer.reply.add(*texts.statuses(shown, urls, missing))
        if answer.outcome == MailOutcome.WORK_ITEM:
            answer.outcome = MailOutcome.STATUS_SENT
        if len(shown) == 1:  # a reply on this thread is then about that ticket
            answer.ticket_id = answer.ticket_id or shown[0].ticket_id

    def _action_links(self, cid: str, action: MailRequest, shown: Sequence[Ticket], answer: Answer) -> None:
        links = [(t.ticket_id, self.links.issue(cid, TICKET, ticket_id=t.ticket_id)) for t in list(shown)[:MAX_STATUS]]
        answer.reply.add(*texts.ticket_action_links(action.value, links))
        if answer.outcome == MailOutcome.WORK_ITEM:
            answer.outcome = MailOutcome.LINK_SENT

    # --- shared steps -------------------------------------------------------------------------

    def _keep_files(self, cid: str, mail_id: int, mail: ParsedMail,
                    ticket_id: Optional[str]) -> Tuple[int, List[str]]:
        """The message's attachments as the customer's evidence files (for the ticket, or kept
        with the message for the application its link opens); (how many kept, refusals)."""
        files, notes = candidates(mail.attachments, self.services.uploads.max_bytes)
        if mail.dropped_attachments:
            notes.append(f"另有 {mail.dropped_attachments} 个附件超出单封邮件的数量上限。")
        grant = UploadGrant(cid, f"mail-{mail_id}", ticket_id)
        kept = 0
        for candidate in files:
            try:
                self.services.uploads.save(grant, candidate.filename, candidate.data, self.clock())
                kept += 1
            except UploadRejected as exc:
                notes.append(exc.message)
        return kept, notes

    def _work_item(self, mail_id: int, mail: ParsedMail, cid: Optional[str], reason: str,
                   ticket_id: Optional[str]) -> int:
        """An e-mail work item in the agents' queue: the whole message is on /console/mail/<id>."""
        collected = {"渠道": "电子邮件", "发件人": mail.from_address or "（无法识别）", "主题": mail.subject or "（无主题）",
                     "发件域验证": AUTH_LABELS[mail.auth_passed], "附件": f"{len(mail.attachments)} 个"}
        summary = {"channel": "email", "mail_id": mail_id, "collected": collected,
                   "customer_said": [(mail.own_text or mail.text)[:500]]}
        handoff = self.services.handoffs.leave_message(f"mail-{mail_id}", cid, HandoffKind.EMAIL,
                                                      mail.own_text or mail.text or mail.subject or "（空邮件）",
                                                      None, reason, ticket_id, summary)
        metrics.HANDOFFS.labels(reason=reason).inc()
        return handoff.id

    def _failed(self, mail_id: int, mail: ParsedMail) -> MailOutcome:
        """Handling failed: a registered customer's message goes to an agent as it is."""
        try:
            customer = self.services.customers.by_email(mail.from_address)
            handoff_id = self._work_item(mail_id, mail, customer.customer_id if customer else None, "mail_failed", None)
            self.store.finish(mail_id, MailOutcome.FAILED, "handled by an agent", handoff_id=handoff_id)
        except Exception:
            logger.exception("mail %s: no work item either (kept as received)", mail_id)
        return MailOutcome.FAILED

    def _send(self, answer: Answer, to: str, customer: Optional[Customer], mail: ParsedMail) -> None:
        support = self.settings.mail.address
        message_id = new_message_id(support)
        message = compose(answer.reply, to, support, message_id, customer.name if customer else None, mail)
        self.store.enqueue(message_id, to, answer.reply.subject, bytes(message), customer.customer_id if customer else None,
                           answer.ticket_id, answer.handoff_id)

    def _finish(self, mail_id: int, outcome: MailOutcome, note: str = "", ticket_id: Optional[str] = None,
                handoff_id: Optional[int] = None, customer_id: Optional[str] = None) -> MailOutcome:
        self.store.finish(mail_id, outcome, note, ticket_id, handoff_id, customer_id)
        return outcome


def _current(tickets) -> List[Ticket]:
    """The tickets a status question is about: the open ones, else the latest."""
    ordered = sorted(tickets, key=lambda t: t.created_at, reverse=True)
    return [t for t in ordered if t.is_open] or ordered[:1]


def _actionable(tickets, action: MailRequest) -> List[Ticket]:
    if action == MailRequest.APPEAL:
        return [t for t in tickets if t.status == TicketStatus.REJECTED]
    return [t for t in tickets if t.status in (TicketStatus.SUBMITTED, TicketStatus.UNDER_REVIEW, TicketStatus.NEEDS_INFO)]
