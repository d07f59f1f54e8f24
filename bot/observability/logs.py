"""Structured JSON log lines with personal data masked, carrying the conversation and ticket
ids. Every service (website, Rasa, action server) logs through `JsonFormatter`."""
from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Optional

from bot.observability.masking import mask_personal_data

CONTEXT_FIELDS = ("conversation_id", "ticket_id", "handoff_id", "customer_id")
# The conversation being served by the current task; set by the chat channel and the action
# server so that every line logged while handling it (Rasa's own included) carries the id.
current_conversation: ContextVar[Optional[str]] = ContextVar("current_conversation", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, masked message and known context ids
    (pass them with `logger.info(..., extra={"conversation_id": ...})`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        conversation = current_conversation.get()
        if "conversation_id" not in entry and conversation is not None:
            entry["conversation_id"] = conversation
        if record.exc_info:
            entry["error"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Route every logger of this process to standard error as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # Python warnings (Rasa reports odd input with them) as masked JSON too
    for ours in ("bot", "actions", "nlu_components"):
        # Libraries imported later (TensorFlow's absl when Rasa loads a model) lower the root
        # level to WARNING; our own loggers keep theirs.
        logging.getLogger(ours).setLevel(level)
    for name in ("sanic.root", "sanic.error", "sanic.access", "rasa", "rasa_sdk"):
        # Sanic and Rasa attach their own plain-text handlers; send their records to the root.
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
