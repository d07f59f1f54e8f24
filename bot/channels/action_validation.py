"""Rasa 3.6.21 validates every action server response with `jsonschema.validate()`, which
first re-checks the response *schema* against the draft-2020-12 meta-schema: about 60 ms of
CPU per action call here, half of the Rasa server's work per message (py-spy, standard visit).
This replaces `RemoteAction._validate_action_result` with the same validation by a validator
built once from the same schema: malformed responses are still rejected with the same error.

Applied by our channels' modules (Rasa loads them in every server process). Written against
Rasa 3.6.21: `tests/channels/test_action_validation.py` fails if Rasa's method or schema
changes, so a Rasa upgrade has to look at this again.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

RASA_ORIGINAL = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The response validator, its schema checked once (as jsonschema.validate does each time)."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's `_validate_action_result`, without rebuilding the validator on every call."""
    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    if isinstance(error, ValidationError):
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
    raise error


def install() -> None:
    """Use the compiled validator in this process (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result
