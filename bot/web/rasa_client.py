"""Server-side calls to the Rasa HTTP API (only the server holds the Rasa token)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)


class RasaClient:
    def __init__(self, base_url: str, token: str, channel: str = "refund_socket") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.channel = channel

    async def push_bot_message(self, conversation_id: str, text: str,
                               metadata: Dict[str, Any] | None = None) -> bool:
        """Append a bot message to the conversation and deliver it to the open widget."""
        events: List[Dict[str, Any]] = [{"event": "bot", "text": text, "metadata": metadata or {}}]
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        # Rasa's --auth-token is checked as a query parameter (Bearer is for its JWT option).
        params = {"output_channel": self.channel, "execute_side_effects": "true", "token": self.token}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
                async with http.post(url, json=events, params=params) as resp:
                    if resp.status >= 300:
                        logger.warning("Rasa refused the pushed message: %s %s", resp.status, await resp.text())
                        return False
                    return True
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("could not reach Rasa to push a message: %s", exc)
            return False
