"""The development REST channel (`make shell`, curl, the end-to-end tests).

Rasa's own REST channel copies `input_channel` and `metadata` from the request body, so any
client could claim to be the widget with any customer's id. This one takes nothing but the
sender id and the text from the client: it signs the identity itself, the configured demo
customer in development and a guest anywhere else. It accepts only `application/json`
bodies, which a foreign web page cannot send to it without a CORS preflight that Rasa refuses,
and it caps messages at the widget's length. Production does not enable it
(credentials.prod.yml).
"""
from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels import rasa_patches
from bot.channels.replies import EMPTY, MAX_MESSAGE_CHARS, TOO_LONG
from bot.nlu.normalize import normalize_text
from bot.security.identity import sign_identity
from bot.settings import load_settings

MAX_SENDER_CHARS = 128
rasa_patches.install()  # our changes to Rasa 3.6.21 (bot/channels/rasa_patches.py)


class DevRestInput(InputChannel):
    """POST /webhooks/rest/webhook {"sender": "...", "message": "..."} → the bot's messages."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        settings = load_settings()
        self.secret = settings.jwt_secret
        self.customer_id = settings.demo_customer_id if settings.is_development else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("dev_rest_webhook", __name__)

        @webhook.get("/")
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.post("/webhook")
        async def receive(request: Request) -> response.HTTPResponse:
            if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
                return response.json({"error": "Content-Type must be application/json"}, status=415)
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):
                return response.json({"error": "body must be a JSON object"}, status=400)
            sender = body.get("sender") if isinstance(body, dict) else None
            text = body.get("message") if isinstance(body, dict) else None
            if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS:
                return response.json({"error": f"sender must be a string of 1-{MAX_SENDER_CHARS} characters"},
                                     status=400)
            if not isinstance(text, str):
                return response.json({"error": "message must be a string"}, status=400)
            if len(text) > MAX_MESSAGE_CHARS:
                return response.json([{"recipient_id": sender, "text": TOO_LONG}])
            if not normalize_text(text).strip():
                return response.json([{"recipient_id": sender, "text": EMPTY}])
            collector = CollectingOutputChannel()
            metadata = sign_identity(self.secret, sender, self.customer_id, self.name())
            await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            return response.json(collector.messages)

        return webhook
