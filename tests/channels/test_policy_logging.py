"""The rule policy formats its states for the debug log only when the line is written, and the
guard that fails if Rasa changes the method or its one caller."""
import hashlib
import inspect
import logging

import rasa
from rasa.core.policies.rule_policy import RulePolicy

from bot.channels import policy_logging

STATES = [{"user": {"intent": "request_refund"}, "prev_action": {"action_name": "action_listen"}}]


def test_nothing_is_built_unless_debug_is_on():
    policy_logging.install()
    logger = policy_logging.RULE_POLICY_LOGGER
    before = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert RulePolicy.format_tracker_states(STATES) == ""
        logger.setLevel(logging.DEBUG)
        assert RulePolicy.format_tracker_states(STATES) == policy_logging.RASA_ORIGINAL(STATES)
        assert "request_refund" in RulePolicy.format_tracker_states(STATES)
    finally:
        logger.setLevel(before)


def test_installed_by_the_channels():
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports it in every server process)

    assert RulePolicy.format_tracker_states is policy_logging.format_tracker_states


def test_rasa_still_uses_the_text_only_for_that_debug_line():
    assert rasa.__version__ == "3.6.21"
    source = inspect.getsource(RulePolicy)
    assert source.count("format_tracker_states(") == 1
    assert "current_states = self.format_tracker_states(states)\n        structlogger.debug(" in source
    digest = hashlib.sha256(inspect.getsource(policy_logging.RASA_ORIGINAL).encode()).hexdigest()
    assert digest == "32b101cb34fd1c32fd17557044632ecbe9cb5638e605ca81864ddcb6b469a22a"
