"""Form prompts that are plain text with optional buttons."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.handoff import replies as handoff_replies
from bot.refunds import replies


class _AskAction(Action, ABC):
    """A form prompt with optional buttons."""

    text = ""
    buttons: List[Dict[Text, Any]] = []

    @abstractmethod
    def name(self) -> Text:
        """The action name."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=self.text, buttons=list(self.buttons))
        return []


class ActionAskRefundReason(_AskAction):
    text = replies.REASON_QUESTION
    buttons = replies.REASON_BUTTONS

    def name(self) -> Text:
        return "action_ask_refund_reason"


class ActionAskIncidentTime(_AskAction):
    text = replies.INCIDENT_TIME_QUESTION

    def name(self) -> Text:
        return "action_ask_incident_time"


class ActionAskIncidentDescription(_AskAction):
    text = replies.INCIDENT_DESCRIPTION_QUESTION

    def name(self) -> Text:
        return "action_ask_incident_description"




class ActionAskContactChoice(_AskAction):
    text = handoff_replies.CONTACT_CHOICE_QUESTION
    buttons = handoff_replies.LEAVE_MESSAGE_BUTTONS[:2]

    def name(self) -> Text:
        return "action_ask_contact_choice"


class ActionAskCallbackPhone(_AskAction):
    text = handoff_replies.CALLBACK_PHONE_QUESTION

    def name(self) -> Text:
        return "action_ask_callback_phone"


class ActionAskSurveyScore(_AskAction):
    text = handoff_replies.SURVEY_QUESTION
    buttons = handoff_replies.SURVEY_BUTTONS

    def name(self) -> Text:
        return "action_ask_survey_score"


class ActionAskSurveyComment(_AskAction):
    text = handoff_replies.SURVEY_COMMENT_QUESTION
    buttons = handoff_replies.SKIP_BUTTONS

    def name(self) -> Text:
        return "action_ask_survey_comment"
