"""Who is asking: taken only from trusted channel metadata, never from slots or entities."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from bot.settings import load_settings

# Channels whose metadata the server sets itself after verifying the customer.
TRUSTED_CHANNELS = frozenset({"refund_socket"})
# Local development channels where the configured demo customer stands in.
DEVELOPMENT_CHANNELS = frozenset({"rest", "cmdline"})


def customer_id(tracker: Tracker) -> Optional[str]:
    """The verified customer of this conversation, or None for a guest."""
    channel = tracker.get_latest_input_channel()
    metadata = tracker.latest_message.get("metadata") or {}
    if channel in TRUSTED_CHANNELS:
        if metadata.get("auth_verified") is True and isinstance(metadata.get("user_id"), str):
            return metadata["user_id"]
        return None
    settings = load_settings()
    if settings.is_development and channel in DEVELOPMENT_CHANNELS:
        return settings.demo_customer_id
    return None
