"""Rasa component: a long message that clearly demands a refund for a named order starts a refund.

A bag-of-n-grams classifier reads a long complaint by its dominant words ("投诉", "失望"...)
and misses the one sentence that matters. When the text is long, contains an explicit refund
demand and names an order or instance, the intent becomes request_refund."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

DEMAND = re.compile(r"(我要|要求|申请|给我|赶紧|必须)(全额)?(退款|退钱|退费|退订)|把钱退|钱退给我|退款吧")
MIN_LENGTH = 60
CONFIDENCE = 0.95


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RefundDemandDetector(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "RefundDemandDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            names_order = any(e.get("entity") in ("order_id", "instance_id") for e in message.get(ENTITIES, []))
            intent = message.get(INTENT) or {}
            if (len(text) >= MIN_LENGTH and names_order and DEMAND.search(text)
                    and intent.get("name") != "request_refund"):
                message.set(INTENT, {"name": "request_refund", "confidence": CONFIDENCE}, add_to_output=True)
                # Scale the rest down so the ranking stays a distribution and is not ambiguous.
                ranking = [{"name": "request_refund", "confidence": CONFIDENCE}]
                ranking += [{**r, "confidence": r.get("confidence", 0.0) * (1 - CONFIDENCE)}
                            for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != "request_refund"]
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
