"""The vocabularies in bot.vocabulary agree with everything else that spells them out: the
Rasa domain, the NLU keywords, the buttons, the policy files, the labels, the state machine
and the database columns."""
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import String, select

from bot.backoffice.labels import (
    GRANT_LABELS,
    HANDOFF_KIND_LABELS,
    HANDOFF_OUTCOME_LABELS,
    HANDOFF_REASON_LABELS,
    HANDOFF_STATUS_LABELS,
    MAIL_OUTCOME_LABELS,
    ROLE_LABELS,
)
from bot.nlu.reasons import REASON_KEYWORDS
from bot.policy.config import PolicyError, load_policy
from bot.settings import PROJECT_ROOT
from bot.storage import schema
from bot.tickets.labels import ACTION_LABELS, REASON_LABELS, REJECTION_LABELS, STATUS_LABELS
from bot.tickets.lifecycle import MOVES
from bot.vocabulary import (
    FINAL_STATES,
    OPEN_STATUSES,
    Grant,
    HandoffKind,
    HandoffOutcome,
    HandoffReason,
    HandoffStatus,
    MailOutcome,
    RefundReason,
    RejectionReason,
    Role,
    TicketStatus,
    Vocabulary,
)

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
REASON_PAYLOAD = re.compile(r'refund_reason\\?"\s*:\s*\\?"([a-z_]+)')


def test_members_are_their_values_everywhere():
    assert TicketStatus.SUBMITTED == "submitted" and str(TicketStatus.SUBMITTED) == "submitted"
    assert f"{RefundReason.DEMAND_CHANGE}" == "demand_change"
    assert RefundReason.parse("service_issue") is RefundReason.SERVICE_ISSUE
    assert RefundReason.parse("teleport") is None and RefundReason.parse(None) is None


def test_domain_slot_lists_exactly_the_refund_reasons():
    assert set(DOMAIN["slots"]["refund_reason"]["values"]) == RefundReason.values()


def test_every_reason_button_and_payload_names_a_known_reason():
    texts = [(PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "data").rglob("*.yml")]
    texts += [p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "bot").rglob("*.py")]
    named = {value for text in texts for value in REASON_PAYLOAD.findall(text)}
    assert named and named <= RefundReason.values()


def test_the_reason_keywords_cover_every_reason():
    assert {reason for reason, _ in REASON_KEYWORDS} == set(RefundReason)


@pytest.mark.parametrize("labels, vocabulary", [
    (STATUS_LABELS, TicketStatus), (REASON_LABELS, RefundReason), (REJECTION_LABELS, RejectionReason),
    (HANDOFF_STATUS_LABELS, HandoffStatus), (HANDOFF_KIND_LABELS, HandoffKind),
    (HANDOFF_OUTCOME_LABELS, HandoffOutcome), (ROLE_LABELS, Role), (GRANT_LABELS, Grant),
    (MAIL_OUTCOME_LABELS, MailOutcome), (HANDOFF_REASON_LABELS, HandoffReason),
])
def test_every_value_has_a_chinese_label(labels, vocabulary):
    assert set(labels) == vocabulary.values()
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels.values())


def test_the_state_machine_uses_every_state_and_labels_every_action():
    used = {state for move in MOVES.values() for state in (*move.sources, move.target)}
    assert used == set(TicketStatus)
    assert set(ACTION_LABELS) == set(MOVES)
    assert not OPEN_STATUSES & FINAL_STATES
    assert OPEN_STATUSES | FINAL_STATES | {TicketStatus.REJECTED} == set(TicketStatus)


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "policies").glob("*.yml")), ids=lambda p: p.name)
def test_policy_files_name_only_known_reasons(path: Path):
    policy = load_policy(path)
    assert set(policy.standard.fee_waived_for) <= RefundReason.values()


def test_a_policy_naming_an_unknown_reason_is_refused(tmp_path):
    raw = yaml.safe_load((PROJECT_ROOT / "policies" / "default.yml").read_text(encoding="utf-8"))
    raw["standard_refund"]["handling_fee"]["waived_for_reasons"] = ["bored"]
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError, match="waived_for_reasons"):
        load_policy(bad)


@pytest.mark.parametrize("column, vocabulary", [
    (schema.TicketRow.status, TicketStatus), (schema.TicketRow.reason, RefundReason),
    (schema.TicketEventRow.from_status, TicketStatus), (schema.TicketEventRow.to_status, TicketStatus),
    (schema.HandoffRow.status, HandoffStatus), (schema.HandoffRow.kind, HandoffKind),
    (schema.HandoffRow.outcome, HandoffOutcome), (schema.MailMessageRow.outcome, MailOutcome),
])
def test_database_columns_hold_every_value(column, vocabulary: type[Vocabulary]):
    assert isinstance(column.type, String)
    assert column.type.length >= max(len(value) for value in vocabulary.values())


def test_stored_rows_use_only_known_values(seeded):
    with seeded() as session:
        assert set(session.scalars(select(schema.TicketRow.status))) <= TicketStatus.values()
        assert set(session.scalars(select(schema.TicketRow.reason))) <= RefundReason.values()
        roles = {r for row in session.scalars(select(schema.StaffRow.roles)) for r in row.split(",")}
        assert roles and roles <= Role.values()
        grants = {g for row in session.scalars(select(schema.StaffRow.grants)) for g in row.split(",") if g}
        assert grants and grants <= Grant.values()
