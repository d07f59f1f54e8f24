"""Rasa component: ids, money, dates and refund reasons (see bot.nlu.extract)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.clock import utcnow
from bot.nlu.extract import extract_entities


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RefundEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds order_id, ticket_id, instance_id, amount, date and refund_reason entities."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "RefundEntityExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        now = utcnow()
        for message in messages:
            text = message.get(TEXT) or ""
            found = [
                {"entity": e.entity, "start": e.start, "end": e.end, "value": e.value,
                 "confidence_entity": 1.0}
                for e in extract_entities(text, now)
            ]
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
