"""Identity claims: how a channel tells the action server who sent a message.

A channel that has verified the customer itself (the widget's chat token, or the demo
customer on the development REST channel) signs a short-lived claim bound to the
conversation and puts it in the message metadata under `IDENTITY_KEY`. The actions believe
nothing else: not the channel name, not `user_id` fields, not slots or entities, all of which
a client can send through some channel.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, Optional

import jwt

from bot.clock import utcnow

IDENTITY_KEY = "refund_identity"
IDENTITY_AUDIENCE = "refund-identity"
ISSUER = "refund-channel"
# A claim is checked while its own turn runs; a short life limits any replay of a leaked one.
IDENTITY_TTL = timedelta(minutes=10)


def sign_identity(secret: str, conversation_id: str, customer_id: Optional[str], channel: str,
                  now: Optional[datetime] = None, address: Optional[str] = None) -> Dict[str, Any]:
    """Metadata for one message: who sent it (None: a guest) and, when the channel knows it,
    from which network address (the abuse limits of guests count by it), bound to its
    conversation."""
    issued = now or utcnow()
    claim = {"iss": ISSUER, "aud": IDENTITY_AUDIENCE, "sub": customer_id or "", "conv": conversation_id,
             "chan": channel, "addr": address or "", "iat": issued, "exp": issued + IDENTITY_TTL}
    return {IDENTITY_KEY: jwt.encode(claim, secret, algorithm="HS256")}


def identity_metadata(metadata: Any, entities: Any) -> Any:
    """The metadata that holds a message's identity claim. An external message (one the
    website triggers through Rasa's token-protected API, never a channel's) cannot carry
    metadata, so the claim the website signed rides as the entity `IDENTITY_KEY`; only there
    is that entity read (a typed one would still need a valid signature)."""
    if not (isinstance(metadata, dict) and metadata.get("is_external")):
        return metadata
    claims = [e.get("value") for e in entities or [] if isinstance(e, dict) and e.get("entity") == IDENTITY_KEY]
    return {IDENTITY_KEY: claims[0]} if claims else {}


def _claim(metadata: Any, secret: str, conversation_id: str) -> Dict[str, Any]:
    """The valid claim in `metadata` for `conversation_id`; empty when missing, forged,
    expired or made for another conversation."""
    token = metadata.get(IDENTITY_KEY) if isinstance(metadata, dict) else None
    if not isinstance(token, str):
        return {}
    try:
        claim = jwt.decode(token, secret, algorithms=["HS256"], audience=IDENTITY_AUDIENCE, issuer=ISSUER,
                           options={"require": ["exp", "sub", "aud", "iss", "conv"]})
    except jwt.PyJWTError:
        return {}
    return claim if claim.get("conv") == conversation_id else {}


def verified_customer(metadata: Any, secret: str, conversation_id: str) -> Optional[str]:
    """The customer a valid claim in `metadata` vouches for in `conversation_id`; None for a
    guest, a missing, forged or expired claim, or a claim made for another conversation."""
    subject = _claim(metadata, secret, conversation_id).get("sub")
    return subject if isinstance(subject, str) and subject else None


def verified_address(metadata: Any, secret: str, conversation_id: str) -> Optional[str]:
    """The network address the channel saw the message come from (None if it did not say)."""
    address = _claim(metadata, secret, conversation_id).get("addr")
    return address if isinstance(address, str) and address else None
