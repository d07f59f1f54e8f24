"""Every rule a quote can name has its Chinese words: the customer's label, the reviewer's label
and, for a refusal, the reason the customer is told. The engine names rules only through
`QuoteRule` (typed), so a rule cannot exist without being listed here."""
import ast

import pytest

from bot.policy.explain import REFUSAL_REASONS
from bot.policy.quote import RULE_LABELS
from bot.settings import PROJECT_ROOT
from bot.tickets.labels import RULE_LABELS as REVIEWER_RULE_LABELS
from bot.vocabulary import REFUSAL_RULES, QuoteRule


@pytest.mark.parametrize("rule", list(QuoteRule))
def test_every_rule_has_a_customer_and_a_reviewer_label(rule):
    assert RULE_LABELS[rule].strip() and REVIEWER_RULE_LABELS[rule].strip()


def test_every_refusal_says_why_and_only_refusals_do():
    assert set(REFUSAL_REASONS) == REFUSAL_RULES
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in REFUSAL_REASONS.values())


def test_the_label_tables_name_no_rule_the_engine_does_not_know():
    assert set(RULE_LABELS) == set(REVIEWER_RULE_LABELS) == QuoteRule.values()


@pytest.mark.parametrize("module", ["engine.py", "changes.py"])
def test_the_engine_passes_rules_only_as_members_of_the_vocabulary(module):
    """A rule written as a bare string would escape the checks above."""
    tree = ast.parse((PROJECT_ROOT / "bot" / "policy" / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"refused", "_finish", "_keep_resource_quote"}:
            position = 1 if node.func.id == "_keep_resource_quote" else 2  # type: ignore[attr-defined]
            rule = node.args[position]  # a QuoteRule member, or a variable mypy checks is one
            assert not isinstance(rule, ast.Constant), ast.dump(rule)
