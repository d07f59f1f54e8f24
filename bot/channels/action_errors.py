"""A failed action call is logged without the conversation.

When an action raises, rasa-sdk answers 500 with the whole request it was sent — the recent
conversation, each message carrying its signed identity claim — and Rasa 3.6.21 puts that body
into the text of its `ClientResponseError`, which the processor logs with the traceback. Our
action server no longer echoes the request (actions/server.py), and this makes the exception's
text say only the status and how long the body was, whichever server answered. The body
itself stays on the exception (`.text`): Rasa reads a 400's rejection from it.

Applied by our channels' modules, like the other patches in this package;
`tests/security/test_action_failure_log.py` fails if Rasa changes the class.
"""
from __future__ import annotations

from typing import Any, Text

from rasa.utils import endpoints

RASA_ORIGINAL = endpoints.ClientResponseError.__init__


def client_response_error_init(self: endpoints.ClientResponseError, status: int, message: Text, text: Any) -> None:
    """Rasa's constructor, with a text that leaves the body out."""
    RASA_ORIGINAL(self, status, message, text)
    self.args = (f"{status}, {message}, body of {len(text or b'')} bytes not logged "
                 "(the action server logs its own error with the conversation id)",)


def install() -> None:
    """Keep response bodies out of the text of Rasa's action-call errors (idempotent)."""
    endpoints.ClientResponseError.__init__ = client_response_error_init
