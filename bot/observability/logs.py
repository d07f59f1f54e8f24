"""Structured JSON log lines with personal data masked."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from bot.observability.masking import mask_personal_data

CONTEXT_FIELDS = ("conversation_id", "ticket_id", "handoff_id", "customer_id")


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
        if record.exc_info:
            entry["error"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
