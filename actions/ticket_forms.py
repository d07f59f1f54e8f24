"""Forms on an existing ticket: supplying what the reviewer asked for, and appealing a rejection."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.evidence import UPLOAD_DONE, as_evidence, upload_url
from actions.identity import customer_id
from bot.nlu.form_answers import NOT_A_SUPPLEMENT, QUESTION, asks_a_question, evidence_links
from bot.policy.explain import format_date
from bot.refunds import ticket_replies
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.workflow import InvalidRequest
from bot.wiring import refund_service, ticket_workflow, upload_store

UPLOADED_MARK = "（已通过上传页面补充文件）"


class ValidateSupplementForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_supplement_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        return ["supplement_content"] if tracker.get_slot("supplement_ticket") else []

    def validate_supplement_content(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        cid, ticket_id = customer_id(tracker), tracker.get_slot("supplement_ticket")
        if text.lower() in UPLOAD_DONE:
            if cid and upload_store().for_ticket(cid, ticket_id):
                return {"supplement_content": UPLOADED_MARK}
            dispatcher.utter_message(text="还没有收到您上传的文件，请通过上面的链接上传，或直接发送说明。")
            return {"supplement_content": None}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in NOT_A_SUPPLEMENT or (QUESTION.search(text) and not evidence_links(text)):
            dispatcher.utter_message(text="这条消息看起来不是补充材料，我没有提交给审核人员。要补充的话，请直接发送说明、"
                                          "链接或上传文件；想先问别的问题，可以回复「取消」。")
            return {"supplement_content": None}
        if len(text) < 2:
            dispatcher.utter_message(text="请再具体说明一下要补充的内容。")
            return {"supplement_content": None}
        return {"supplement_content": text[:2000]}


class ActionAskSupplementContent(Action):
    def name(self) -> Text:
        return "action_ask_supplement_content"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("supplement_ticket")
        ticket = refund_service().ticket(cid, ticket_id) if cid and ticket_id else None
        if cid is None or ticket is None:
            return []
        link = upload_url(cid, tracker.sender_id, ticket.ticket_id)
        dispatcher.utter_message(text=ticket_replies.supplement_question(ticket, link))
        return []


class ActionSubmitSupplement(Action):
    def name(self) -> Text:
        return "action_submit_supplement"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("supplement_ticket")
        content = tracker.get_slot("supplement_content")
        clear = [SlotSet("supplement_ticket", None), SlotSet("supplement_content", None), SlotSet("requested_slot", None)]
        if not (cid and ticket_id and content):
            return clear
        evidence = [("text", content)] if content == UPLOADED_MARK else as_evidence(content)
        try:
            ticket = ticket_workflow().supplement(cid, ticket_id, evidence)
        except (KeyError, IllegalTransition, InvalidRequest):
            dispatcher.utter_message(text="该工单当前不需要补充材料，无需重复提交。")
            return clear
        dispatcher.utter_message(text=f"已收到补充材料，工单 {ticket.ticket_id} 已重新提交审核，"
                                      f"预计 {format_date(ticket.stage_due)} 前完成。")
        return clear


class ValidateAppealForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_appeal_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        return ["appeal_statement"] if tracker.get_slot("appeal_ticket") else []

    def validate_appeal_statement(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        intent = tracker.latest_message.get("intent") or {}
        if asks_a_question(intent.get("name") or "", float(intent.get("confidence") or 0), text):
            dispatcher.utter_message(text="这条看起来是一个问题，我没有把它作为申诉理由提交。请说明您不认同审核结果的理由；"
                                          "想先问别的问题，可以回复「取消」。")
            return {"appeal_statement": None}
        if len(text) < 4:
            dispatcher.utter_message(text="请用一两句话说明您不认同审核结果的理由，这会作为申诉内容提交。")
            return {"appeal_statement": None}
        return {"appeal_statement": text[:2000]}


class ActionAskAppealStatement(Action):
    def name(self) -> Text:
        return "action_ask_appeal_statement"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("appeal_ticket")
        if not (cid and ticket_id):
            return []
        link = upload_url(cid, tracker.sender_id, ticket_id)
        dispatcher.utter_message(text=f"请简要说明您不认同审核结果的理由，我会作为申诉提交给复核人员。"
                                      f"如有新的证明材料，可以先[点此上传]({link})。")
        return []


class ActionSubmitAppeal(Action):
    def name(self) -> Text:
        return "action_submit_appeal"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("appeal_ticket")
        statement = tracker.get_slot("appeal_statement")
        clear = [SlotSet("appeal_ticket", None), SlotSet("appeal_statement", None), SlotSet("requested_slot", None)]
        if not (cid and ticket_id and statement):
            dispatcher.utter_message(text="好的，暂不提交申诉。需要时随时告诉我。")
            return clear
        try:
            ticket = ticket_workflow().appeal(cid, ticket_id, statement)
        except KeyError:
            dispatcher.utter_message(text="没有找到您名下的该退款工单。")
            return clear
        except (IllegalTransition, InvalidRequest):
            current = refund_service().ticket(cid, ticket_id)
            state = f"当前为「{current.status_label}」" if current else "当前状态"
            dispatcher.utter_message(text=f"工单 {ticket_id} {state}，不能再提交申诉"
                                          "（每个工单同一时间只能有一个申诉）。")
            return clear
        dispatcher.utter_message(text=f"已为工单 {ticket.ticket_id} 提交申诉，复核人员会在 "
                                      f"{format_date(ticket.stage_due)} 前给出结果，届时我会在这里告诉您。")
        return clear
