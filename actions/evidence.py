"""Reading evidence out of what the customer typed, and offering the upload page."""
from __future__ import annotations

from typing import List, Optional, Tuple

from bot.nlu.form_answers import evidence_links
from bot.security.tokens import UploadGrant, issue_upload_token
from bot.settings import load_settings


def upload_url(customer_id: str, conversation_id: str, ticket_id: Optional[str] = None) -> str:
    """A signed, expiring upload link bound to this customer, conversation (and ticket)."""
    settings = load_settings()
    token = issue_upload_token(settings.jwt_secret, UploadGrant(customer_id, conversation_id, ticket_id))
    return f"{settings.site_url}/upload/{token}"


def links_in(text: str) -> List[str]:
    """The links the customer sent, each with its extraction code (提取码) if they gave one."""
    return evidence_links(text or "")


def as_evidence(text: str) -> List[Tuple[str, str]]:
    """A free-text answer as evidence rows: the text itself and each link in it."""
    text = (text or "").strip()
    rows = [("text", text[:2000])] if text else []
    rows += [("link", link) for link in links_in(text)]
    return rows
