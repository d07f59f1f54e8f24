"""RulePolicy's debug text of the dialogue states, built only when debug logging is on.

Rasa 3.6.21's `RulePolicy._find_action_from_rules` formats every state of the conversation into
a string for a debug log line on every prediction, whether or not debug logging is enabled (the
log call filters the line afterwards): a cost that grows with the conversation's length. This
returns an empty text when the rule policy's logger would drop the line anyway, and Rasa's own
text when debug logging is on.

Applied by our channels' modules, like the other patches in this package;
`tests/channels/test_policy_logging.py` fails if Rasa changes the method or where it is used.
"""
from __future__ import annotations

import logging
from typing import List, Text

from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import State

RASA_ORIGINAL = Policy.format_tracker_states
RULE_POLICY_LOGGER = logging.getLogger("rasa.core.policies.rule_policy")


def format_tracker_states(states: List[State]) -> Text:
    """Rasa's text of the states when its debug line will be written, else nothing."""
    if RULE_POLICY_LOGGER.isEnabledFor(logging.DEBUG):
        return RASA_ORIGINAL(states)
    return ""


def install() -> None:
    """Format the states for the rule policy's debug line only when it is logged (idempotent)."""
    RulePolicy.format_tracker_states = staticmethod(format_tracker_states)
