"""The compiled action-response validator: the same verdicts as Rasa's, at a fraction of the
cost, and a guard that fails when a Rasa upgrade changes what it replaces."""
import hashlib
import inspect
import json
import time

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.channels import action_validation

# What the replacement was written against (rasa 3.6.21): re-read both if these change.
RASA_VERSION = "3.6.21"
METHOD_SHA256 = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
SCHEMA_SHA256 = "fb650e99afd82f1c650004526571ec7bc95a81aa36aaf6a899a6e9e212b166be"

VALID = [{"events": [], "responses": []},
         {"events": [{"event": "slot", "name": "order_id", "value": "2026112400010001"}],
          "responses": [{"text": "好的", "buttons": [{"title": "确认", "payload": "/affirm"}]}]}]
MALFORMED = [{"events": "not a list"}, {"events": [{"event": 42}]}, {"events": [], "responses": [5]}, [], "x",
             {"events": [{"event": "slot", "name": 5}]}, {"events": None},
             {"events": [{"no_event_key": True}]}]


def test_rasa_still_has_the_method_and_schema_this_replaces():
    assert rasa.__version__ == RASA_VERSION
    source = inspect.getsource(action_validation.RASA_ORIGINAL)
    assert hashlib.sha256(source.encode()).hexdigest() == METHOD_SHA256
    schema = json.dumps(RemoteAction.action_response_format_spec(), sort_keys=True)
    assert hashlib.sha256(schema.encode()).hexdigest() == SCHEMA_SHA256


def test_installed_by_the_channels():
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports it in every server process)

    assert RemoteAction._validate_action_result is action_validation.validate_action_result


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_as_with_rasa(result):
    action = RemoteAction("action_x", None)
    assert action_validation.RASA_ORIGINAL(action, result) is True
    assert action_validation.validate_action_result(action, result) is True


@pytest.mark.parametrize("result", MALFORMED)
def test_malformed_responses_are_still_rejected_with_rasas_error(result):
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as rasa_error:
        action_validation.RASA_ORIGINAL(action, result)
    with pytest.raises(ValidationError) as ours:
        action_validation.validate_action_result(action, result)
    assert ours.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_it_is_much_cheaper_than_rasas():
    action, result = RemoteAction("action_x", None), VALID[1]
    action_validation.validate_action_result(action, result)  # build the validator once

    def cpu(function, runs=20):
        started = time.process_time()
        for _ in range(runs):
            function(action, result)
        return time.process_time() - started

    assert cpu(action_validation.validate_action_result) * 5 < cpu(action_validation.RASA_ORIGINAL)
