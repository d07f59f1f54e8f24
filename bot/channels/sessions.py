"""Which customer owns which conversation id (so nobody can join someone else's)."""
from __future__ import annotations

from typing import Dict, Optional, Protocol


class SessionRegistry(Protocol):
    def owner(self, session_id: str) -> Optional[str]:
        """The owner bound to `session_id`, or None if unknown."""

    def bind(self, session_id: str, owner: str) -> bool:
        """Bind a new session id to `owner`; False if it was already bound (to anyone)."""


class InMemorySessionRegistry:
    """Per-process registry; enough for a single Rasa instance."""

    def __init__(self) -> None:
        self._owners: Dict[str, str] = {}

    def owner(self, session_id: str) -> Optional[str]:
        return self._owners.get(session_id)

    def bind(self, session_id: str, owner: str) -> bool:
        if session_id in self._owners:
            return False
        self._owners[session_id] = owner
        return True
