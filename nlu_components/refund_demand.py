"""Rasa components that settle two confusions a bag-of-n-grams classifier makes about refunds.

* RefundDemandDetector: a long complaint is read by its dominant words ("投诉", "失望"...) and
  the one sentence that matters is missed. When the text is long, contains an explicit refund
  demand and names an order or instance, the intent becomes request_refund; so does a short one
  that names an order, says 退款 and leaves the classifier torn between a fact and a request.
* RefundQuestionDetector: 「轻量服务器能退款吗」 sits between a request and a rule question
  (both share 退款). When those two lead the ranking within a small margin, no order is named and
  the message is worded as a question, it is a question about the rules: answered as asked,
  with an offer to check the customer's own orders."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.reader import ASKS, DEMAND, OUTRIGHT_DEMAND, REFUND_WORD, wants_partial_keep

MIN_LENGTH = 60
CONFIDENCE = 0.95
TORN = ("ask_refund_policy", "request_refund")
MAX_MARGIN = 0.15


def _set_intent(message: Message, name: str, confidence: float) -> None:
    """Make `name` the intent and scale the rest of the ranking so it stays a distribution."""
    ranking = [{"name": name, "confidence": confidence}]
    ranking += [{**r, "confidence": r.get("confidence", 0.0) * (1 - confidence)}
                for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
    message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _names_order(message: Message) -> bool:
    return any(e.get("entity") in ("order_id", "instance_id") for e in message.get(ENTITIES, []))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RefundDemandDetector(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "RefundDemandDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            ranking = message.get(INTENT_RANKING_KEY) or []
            if intent.get("name") == "request_refund" and wants_partial_keep(text) \
                    and any(r.get("name") == "request_downgrade" for r in ranking):
                # 「想退一部分钱 机器还要继续用」: a smaller size, the server kept (bot.nlu.reader).
                _set_intent(message, "request_downgrade", CONFIDENCE)
                continue
            if intent.get("name") == "request_refund" or not _names_order(message):
                continue
            # 「2026… 要退款 昨天开始连不上」: a demand said outright (bot.nlu.reader), any length.
            if (len(text) >= MIN_LENGTH and DEMAND.search(text)) or OUTRIGHT_DEMAND.search(text):
                _set_intent(message, "request_refund", CONFIDENCE)
                continue
            # 「退款 2026…，机器老是连不上」: an order, a refund word, and the classifier torn between
            # giving a fact and asking for the refund.
            ranking = message.get(INTENT_RANKING_KEY) or []
            torn = (len(ranking) >= 2 and {ranking[0].get("name"), ranking[1].get("name")} == {"inform", "request_refund"}
                    and ranking[0].get("confidence", 0.0) - ranking[1].get("confidence", 0.0) <= MAX_MARGIN)
            if torn and REFUND_WORD.search(text):
                _set_intent(message, "request_refund", min(ranking[0]["confidence"] + ranking[1]["confidence"],
                                                           CONFIDENCE))
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RefundQuestionDetector(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "RefundQuestionDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            if len(ranking) < 2 or {ranking[0].get("name"), ranking[1].get("name")} != set(TORN):
                continue
            first, second = ranking[0].get("confidence", 0.0), ranking[1].get("confidence", 0.0)
            text = message.get(TEXT) or ""
            if first - second <= MAX_MARGIN and not _names_order(message) and ASKS.search(text):
                _set_intent(message, "ask_refund_policy", min(first + second, CONFIDENCE))
        return messages
