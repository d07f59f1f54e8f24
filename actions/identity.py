"""Who is asking: only a signed identity claim that one of our channels put on the message.

The channel name, `user_id` fields in metadata, slots and entities are never trusted: a client
can send any of them (Rasa's REST channel copies `input_channel` and `metadata` from the body).
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker

from bot.security.identity import identity_metadata, verified_address, verified_customer
from bot.settings import load_settings


def _metadata(tracker: Tracker) -> Any:
    message = tracker.latest_message
    return identity_metadata(message.get("metadata") or {}, message.get("entities"))


def customer_id(tracker: Tracker) -> Optional[str]:
    """The verified customer of this conversation, or None for a guest."""
    metadata = _metadata(tracker)
    return verified_customer(metadata, load_settings().jwt_secret, tracker.sender_id)


def requester(tracker: Tracker) -> str:
    """Whom abuse limits count this message against: the verified customer, else the guest's
    network address as the channel signed it, else the conversation."""
    metadata = _metadata(tracker)
    secret = load_settings().jwt_secret
    cid = verified_customer(metadata, secret, tracker.sender_id)
    address = verified_address(metadata, secret, tracker.sender_id)
    return f"user:{cid}" if cid else f"ip:{address}" if address else f"conversation:{tracker.sender_id}"
