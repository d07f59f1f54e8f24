"""After an upload the website moves the refund form on only when it waits for the evidence,
with the customer and conversation of the upload grant, and an unreachable Rasa changes nothing."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from bot.security.identity import IDENTITY_KEY, verified_customer
from bot.security.tokens import UploadGrant
from bot.web.rasa_client import RasaClient
from bot.web.upload_pages import continue_refund_form
from tests.widget_client import run

SECRET = "s" * 40
WAITING = {"active_loop": {"name": "refund_form"}, "slots": {"requested_slot": "evidence_links"}, "paused": False}


class FakeRasa:
    def __init__(self, tracker: Dict[str, Any]) -> None:
        self.state = tracker
        self.triggered: List[Tuple[str, str, List[Dict[str, Any]]]] = []

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return self.state

    async def trigger_intent(self, conversation_id: str, intent: str, entities: List[Dict[str, Any]]) -> bool:
        self.triggered.append((conversation_id, intent, entities))
        return True


def go_on(rasa: Any, grant: UploadGrant) -> bool:
    return run(continue_refund_form(rasa, grant, SECRET))  # its own loop: Playwright may own this one


def test_a_form_waiting_for_evidence_goes_on_as_the_grants_customer():
    rasa = FakeRasa(WAITING)
    assert go_on(rasa, UploadGrant("c1003", "conv-9", None)) is True
    [(conversation, intent, entities)] = rasa.triggered
    assert (conversation, intent) == ("conv-9", "evidence_uploaded")
    [claim] = [e["value"] for e in entities if e["entity"] == IDENTITY_KEY]
    assert verified_customer({IDENTITY_KEY: claim}, SECRET, "conv-9") == "c1003"


def test_nothing_happens_unless_the_form_waits_for_evidence():
    others = [{**WAITING, "slots": {"requested_slot": "incident_time"}}, {**WAITING, "active_loop": {}},
              {**WAITING, "active_loop": {"name": "supplement_form"}}, {**WAITING, "paused": True}, {"events": []}]
    for state in others:
        rasa = FakeRasa(state)
        assert go_on(rasa, UploadGrant("c1003", "conv-9", None)) is False and rasa.triggered == [], state
    rasa = FakeRasa(WAITING)  # a filed ticket's upload page
    assert go_on(rasa, UploadGrant("c1003", "conv-9", "RF202612010001")) is False and rasa.triggered == []


def test_an_unreachable_rasa_is_no_error():
    assert go_on(RasaClient("http://127.0.0.1:9", "token"), UploadGrant("c1003", "conv-9", None)) is False


def test_rasa_going_away_between_the_read_and_the_trigger_is_no_error():
    class Gone(RasaClient):
        async def tracker(self, conversation_id: str) -> Dict[str, Any]:
            return WAITING

    assert go_on(Gone("http://127.0.0.1:9", "token"), UploadGrant("c1003", "conv-9", None)) is False
