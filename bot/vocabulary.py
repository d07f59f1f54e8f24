"""The closed vocabularies every layer shares: refund reasons, ticket and handoff states,
staff roles, who acts on a ticket, and why a reviewer rejects.

Each is a `str` enum, so a member is equal to its stored or transmitted value
(`TicketStatus.SUBMITTED == "submitted"`) and is written to the database, JSON and Rasa slots
as that plain string. `tests/test_vocabulary.py` checks that domain.yml, the policy files and
the database columns agree with these lists. The Chinese names live with the texts
(`bot/tickets/labels.py`, `bot/backoffice/labels.py`).
"""
from __future__ import annotations

import enum
from typing import FrozenSet, Type, TypeVar

V = TypeVar("V", bound="Vocabulary")


class Vocabulary(str, enum.Enum):
    """A str enum whose str() is its value (Python 3.10 would print `Class.MEMBER`)."""

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def values(cls) -> FrozenSet[str]:
        return frozenset(member.value for member in cls)

    @classmethod
    def parse(cls: Type[V], value: object) -> V | None:
        """The member with this value, or None for anything else (a typo, None, a number)."""
        try:
            return cls(value)
        except ValueError:
            return None


class RefundReason(Vocabulary):
    DEMAND_CHANGE = "demand_change"          # 不想用了 / no longer needed
    SERVICE_ISSUE = "service_issue"          # outage, performance, fault
    DUPLICATE_PAYMENT = "duplicate_payment"  # charged twice
    WRONG_PURCHASE = "wrong_purchase"        # wrong region, size or term


class TicketKind(Vocabulary):
    """What a ticket asks for: a refund that ends the service, a downgrade that keeps it on a
    smaller configuration, or SLA compensation paid as a voucher."""

    REFUND = "refund"
    DOWNGRADE = "downgrade"
    SLA_CLAIM = "sla_claim"


class QuoteRule(Vocabulary):
    """Every rule a quote can name: the rule applied, or why the order is refused. Each has a
    customer label (bot/policy/quote.py), a reviewer label (bot/tickets/labels.py) and, for a
    refusal, a reason (bot/policy/explain.py); tests/policy/test_rule_labels.py checks all three."""

    NO_REASON_WINDOW = "no_reason_window"
    NO_REASON_SOME_INSTANCES = "no_reason_some_instances"
    UNUSED_PACKAGE = "unused_package"
    STANDARD = "standard"
    UNSTARTED_RENEWAL = "unstarted_renewal"
    DUPLICATE_PAYMENT = "duplicate_payment"
    DOWNGRADE = "downgrade"
    SLA_COMPENSATION = "sla_compensation"
    # Refusals.
    PAYG_NOT_REFUNDABLE = "payg_not_refundable"
    UNPAID_ITEMS = "unpaid_items"
    PROMOTIONAL_NO_REFUND = "promotional_no_refund"
    TRANSFERRED = "transferred"
    EXPIRED = "expired"
    NO_DUPLICATE_FOUND = "no_duplicate_found"
    NOTHING_LEFT = "nothing_left"
    NO_FEE_RULE = "no_fee_rule"
    PRICES_MISSING = "prices_missing"
    PACKAGE_NOT_REFUNDABLE = "package_not_refundable"
    SLA_MET = "sla_met"
    NO_OUTAGE_RECORD = "no_outage_record"
    NOT_A_DOWNGRADE = "not_a_downgrade"
    DOWNGRADE_UNAVAILABLE = "downgrade_unavailable"


# The rules that refuse (the quote is not eligible); the others are applied.
REFUSAL_RULES = frozenset({
    QuoteRule.PAYG_NOT_REFUNDABLE, QuoteRule.UNPAID_ITEMS, QuoteRule.PROMOTIONAL_NO_REFUND, QuoteRule.TRANSFERRED,
    QuoteRule.EXPIRED, QuoteRule.NO_DUPLICATE_FOUND, QuoteRule.NOTHING_LEFT, QuoteRule.NO_FEE_RULE,
    QuoteRule.PRICES_MISSING,
    QuoteRule.PACKAGE_NOT_REFUNDABLE, QuoteRule.SLA_MET, QuoteRule.NO_OUTAGE_RECORD, QuoteRule.NOT_A_DOWNGRADE,
    QuoteRule.DOWNGRADE_UNAVAILABLE,
})


class TicketStatus(Vocabulary):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    NEEDS_INFO = "needs_info"
    MANAGER_REVIEW = "manager_review"  # approved by a reviewer, above the limit: a manager approves too
    APPROVED = "approved"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    REJECTED = "rejected"
    APPEALED = "appealed"
    FINAL_REJECTED = "final_rejected"
    WITHDRAWN = "withdrawn"


class Actor(Vocabulary):
    """Who performs a ticket action."""

    CUSTOMER = "customer"
    REVIEWER = "reviewer"
    MANAGER = "manager"  # the second approver above the policy's limit (never the first reviewer)
    SYSTEM = "system"


class RejectionReason(Vocabulary):
    OUTSIDE_POLICY = "outside_policy"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    SERVICE_NORMAL = "service_normal"
    DUPLICATE_NOT_FOUND = "duplicate_not_found"
    PROMOTION_TERMS = "promotion_terms"
    RESOURCE_IN_USE = "resource_in_use"
    OTHER = "other"


class HandoffStatus(Vocabulary):
    WAITING = "waiting"      # queued for an agent
    ACTIVE = "active"        # an agent is talking to the customer
    RESOLVED = "resolved"    # the agent handed back or closed
    TIMED_OUT = "timed_out"  # nobody claimed it in time
    MESSAGE = "message"      # a message or call-back request for later


class HandoffKind(Vocabulary):
    LIVE = "live"
    MESSAGE = "message"
    CALLBACK = "callback"
    EMAIL = "email"  # an e-mail an agent must handle (bot/mail): the whole message and its attachments


class HandoffReason(Vocabulary):
    """Why a conversation or work item went to a person."""

    REQUESTED = "requested"          # the customer asked (also a message or call-back they left)
    FALLBACK = "fallback"            # two misunderstood messages in a row
    DISSATISFIED = "dissatisfied"    # still dissatisfied after a final decision
    LARGE_AMOUNT = "large_amount"
    FLAGGED = "flagged"              # filed, needs a person's review
    COMPLAINT = "complaint"
    WEB_CONTACT = "web_contact"
    MAIL_COMPLAINT = "mail_complaint"
    MAIL_UNCLEAR = "mail_unclear"
    MAIL_COMPLEX = "mail_complex"
    MAIL_MATERIAL = "mail_material"
    MAIL_FAILED = "mail_failed"
    MAIL_THREAD = "mail_thread"


class HandoffOutcome(Vocabulary):
    HANDED_BACK = "handed_back"  # the assistant takes over again
    CLOSED = "closed"            # the agent ended the conversation
    TIMED_OUT = "timed_out"


class CallResult(Vocabulary):
    """What came of calling a customer back (recorded on the call-back work item)."""

    RESOLVED = "resolved"      # reached, and the matter is settled
    FOLLOW_UP = "follow_up"    # reached, something still to do
    NO_ANSWER = "no_answer"    # nobody answered (try again later)
    WRONG_NUMBER = "wrong_number"


class ConversationOutcome(Vocabulary):
    """Where a conversation with the assistant ended up (the operator dashboard; one per
    conversation, the first that applies in this order: bot/backoffice/conversations.py)."""

    HANDED_AFTER_FAILURE = "handed_failure"  # handed to a person because the assistant failed
    HANDED_ON_REQUEST = "handed_request"     # the customer asked for a person (or complained)
    HANDED_BY_RULE = "handed_rule"           # the rules send it to a person (large amount, flagged)
    FILED = "filed"                          # a ticket was filed in it
    WITHDRAWN = "withdrawn"                  # the customer stopped the application or withdrew a ticket
    ANSWERED = "answered"                    # a question was answered
    IN_PROGRESS = "in_progress"              # the customer wrote within the last half hour
    ABANDONED_IN_FORM = "abandoned_form"     # the customer left while answering an application's questions
    NO_OUTCOME = "no_outcome"                # the customer left with none of the above


class ConversationSign(Vocabulary):
    """A sign a conversation went wrong."""

    REPEAT = "repeat"          # the customer said it again, the same or in other words
    CORRECTION = "correction"  # 「不是」「我说的是…」
    FALLBACK = "fallback"      # the assistant did not understand a message
    FAILED_HANDOFF = "failed_handoff"  # a person took over because the assistant failed
    LEFT_MID_FORM = "left_mid_form"    # the customer left while answering an application's questions


class MailOutcome(Vocabulary):
    """What the mail intake did with a message it received (bot/mail)."""

    UNKNOWN_SENDER = "unknown_sender"  # told how to apply, nothing else
    LINK_SENT = "link_sent"            # a one-time link to the application form went to the registered address
    STATUS_SENT = "status_sent"        # ticket status went to the registered address
    MATERIAL_ADDED = "material_added"  # a reply on a ticket's thread: added to the ticket
    WORK_ITEM = "work_item"            # an agent handles it (complaint, complex, not understood)
    AUTOMATIC = "automatic"            # an auto-reply, bounce, mailing list or loop: never answered
    FLOOD = "flood"                    # too many from one sender: kept, not answered
    DUPLICATE = "duplicate"            # the same message delivered again
    FAILED = "failed"                  # could not be handled automatically: an agent has it


class MailRequest(Vocabulary):
    """What a customer's e-mail asks for (one message may ask several)."""

    REFUND = "refund"          # apply for a refund: a one-time link to the form, prefilled
    STATUS = "status"          # where is my refund: the status, to the registered address
    WITHDRAW = "withdraw"      # withdraw a ticket: done on the ticket page after login
    APPEAL = "appeal"          # disagree with a rejection: done on the ticket page after login
    COMPLAINT = "complaint"    # a grievance: an agent handles it
    HUMAN = "human"            # wants a person: an agent handles it


class Role(Vocabulary):
    """Staff roles (a person may have both)."""

    AGENT = "agent"        # takes and answers chats
    REVIEWER = "reviewer"  # works refund tickets
    MANAGER = "manager"    # 主管: works tickets as a reviewer and approves, as a second person, above the limit
    OPERATOR = "operator"  # watches how the assistant does and labels what it did not understand


class ChatLoginState(Vocabulary):
    """What the chat channel made of a widget's chat token (sent to the widget, static/chat.js)."""

    CUSTOMER = "customer"  # a live login
    GUEST = "guest"        # no token
    EXPIRED = "expired"    # the token's 30 minutes are over (the site can issue a fresh one)
    ENDED = "ended"        # the login behind it was ended (logout, another login) or expired
    INVALID = "invalid"    # forged or meant for something else


class Grant(Vocabulary):
    """Permissions given to a staff member on top of their roles (`make staff ARGS='grant ...'`)."""

    # Read full conversations (transcripts, the live queue, history) and evidence files. Agents
    # and reviewers need them for their work; an operator sees masked figures unless granted.
    TRANSCRIPTS = "transcripts"


class ReviewStatus(Vocabulary):
    """Where a message the assistant did not understand stands in the NLU review inbox."""

    NEW = "new"              # waiting for an operator
    LABELLED = "labelled"    # an operator said which intent it is: goes to the export
    DISMISSED = "dismissed"  # not a customer request worth learning (noise, abuse, another language)


# Tickets that still hold their order (at most one per order) and may change.
OPEN_STATUSES = frozenset({TicketStatus.SUBMITTED, TicketStatus.UNDER_REVIEW, TicketStatus.NEEDS_INFO,
                           TicketStatus.MANAGER_REVIEW, TicketStatus.APPROVED, TicketStatus.REFUNDING,
                           TicketStatus.APPEALED})
FINAL_STATES = frozenset({TicketStatus.REFUNDED, TicketStatus.FINAL_REJECTED, TicketStatus.WITHDRAWN})
# Tickets turned down: they give nothing back (a rejected one counts again once appealed).
TURNED_DOWN = frozenset({TicketStatus.REJECTED, TicketStatus.FINAL_REJECTED, TicketStatus.WITHDRAWN})
# Tickets whose amount is promised or given: they count in their order's ledger (bot/tickets/ledger.py).
COMMITTED_STATUSES = frozenset(set(TicketStatus) - TURNED_DOWN)
# Stages whose next step is on the provider's side: they have a due date and can be escalated.
PROVIDER_STAGES = frozenset({TicketStatus.SUBMITTED, TicketStatus.UNDER_REVIEW, TicketStatus.APPEALED,
                             TicketStatus.MANAGER_REVIEW, TicketStatus.APPROVED, TicketStatus.REFUNDING})
# Handoffs a human still owes an answer to (the bot stays paused for the live ones).
LIVE_HANDOFFS = frozenset({HandoffStatus.WAITING, HandoffStatus.ACTIVE})
