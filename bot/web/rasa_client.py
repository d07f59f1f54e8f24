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

    async def push_bot_message(self, conversation_id: str, text: str, metadata: Dict[str, Any] | None = None,
                               buttons: List[Dict[str, str]] | None = None, resume: bool = False) -> bool:
        """Append a bot message (after resuming the bot, if asked) and deliver it to the open widget."""
        events: List[Dict[str, Any]] = [{"event": "resume"}] if resume else []
        events.append({"event": "bot", "text": text, "metadata": metadata or {},
                       "data": {"buttons": buttons} if buttons else {}})
        if resume:
            # A paused conversation stopped right after the handoff action, without listening;
            # log the listen so the next customer message is read in the usual context.
            events.append({"event": "action", "name": "action_listen"})
        return await self.post_events(conversation_id, events)

    async def resume_with_action(self, conversation_id: str, action: str, fallback_text: str) -> bool:
        """Resume the bot and run `action` in the conversation (its messages reach the open
        widget), then listen; if the action cannot run, say `fallback_text` instead."""
        if not await self.post_events(conversation_id, [{"event": "resume"}]):
            return False
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/execute"
        params = {"output_channel": self.channel, "token": self.token}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
                async with http.post(url, json={"name": action}, params=params) as resp:
                    ran = resp.status < 300
                    if not ran:
                        logger.warning("Rasa could not run %s: %s %s", action, resp.status, await resp.text())
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("could not reach Rasa to run %s: %s", action, exc)
            ran = False
        if not ran:
            return await self.push_bot_message(conversation_id, fallback_text, resume=True)
        return await self.post_events(conversation_id, [{"event": "action", "name": "action_listen"}])

    async def trigger_intent(self, conversation_id: str, intent: str,
                             entities: List[Dict[str, Any]] | None = None) -> bool:
        """Run a turn in the conversation as if the customer had said `intent` (no words); its
        messages reach the open widget. False when Rasa cannot be reached or refuses."""
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        params = {"output_channel": self.channel, "token": self.token}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
                async with http.post(url, json={"name": intent, "entities": entities or []}, params=params) as resp:
                    if resp.status >= 300:
                        logger.warning("Rasa refused the intent %s: %s %s", intent, resp.status, await resp.text())
                        return False
                    return True
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("could not reach Rasa to trigger %s: %s", intent, exc)
            return False

    async def agent_typing(self, conversation_id: str, agent_name: str) -> bool:
        """Tell the customer's open widget that the agent is typing (the chat channel emits it)."""
        url = f"{self.base_url}/webhooks/{self.channel}/agent_typing"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
                async with http.post(url, json={"conversation_id": conversation_id, "agent_name": agent_name},
                                     params={"token": self.token}) as resp:
                    return resp.status < 300
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("could not tell the widget the agent is typing: %s", exc)
            return False

    async def post_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> bool:
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

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation's events (empty if Rasa cannot be reached)."""
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/tracker"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
                async with http.get(url, params={"token": self.token}) as resp:
                    return await resp.json() if resp.status == 200 else {"events": []}
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("could not read the conversation from Rasa: %s", exc)
            return {"events": []}
