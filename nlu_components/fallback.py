"""Rasa component: the NLU fallback, aware of what is out of scope.

Rasa's FallbackClassifier rejects a message when the best intent is unsure or when the best two
are close, whatever they are. Measured on data/nlu (5-fold) and on real cloud-support messages
(docs/benchmark.md), the closeness that matters is to `out_of_scope`: a message our intent wins
only narrowly over "not ours" is most often not ours (a top-up, an invoice, another shop's
refund), while two of our own intents close together are most often the first (and the message's
other requests are answered by the reader). So:

* below `threshold` → fallback, as Rasa does;
* an intent of ours ahead of `out_of_scope` by less than `out_of_scope_margin` → fallback;
* two close intents (within `ambiguity_threshold`) that contradict each other — by default a
  yes and a no — → fallback: a torn yes must never file anything.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

OUT_OF_SCOPE = "out_of_scope"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ScopeFallbackClassifier(FallbackClassifier):
    """Fallback when unsure, when barely ahead of out_of_scope, or torn between contradictions."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.2, "ambiguity_threshold": 0.05, "out_of_scope_margin": 0.1,
                "contradictory": [["affirm", "deny"]]}

    def __init__(self, config: Dict[Text, Any]) -> None:
        merged = {**self.get_default_config(), **config}
        for key in ("threshold", "ambiguity_threshold", "out_of_scope_margin"):
            if not 0 <= float(merged[key]) < 1:
                raise ValueError(f"ScopeFallbackClassifier: {key} must be in [0, 1)")
        self._contradictory = {frozenset(pair) for pair in merged["contradictory"]}
        if any(len(pair) != 2 for pair in self._contradictory):
            raise ValueError("ScopeFallbackClassifier: each contradictory entry is two different intents")
        super().__init__(merged)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ScopeFallbackClassifier":
        return cls(config)

    def _should_fallback(self, message: Message) -> bool:
        intent = message.data.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if confidence < float(self.component_config["threshold"]):
            return True
        if name == OUT_OF_SCOPE:
            return False
        ranking = message.data.get(INTENT_RANKING_KEY) or []
        out_of_scope = next((float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for r in ranking
                             if r.get(INTENT_NAME_KEY) == OUT_OF_SCOPE), 0.0)
        if confidence - out_of_scope < float(self.component_config["out_of_scope_margin"]):
            return True
        return self._torn_between_contradictions(ranking)

    def _torn_between_contradictions(self, ranking: List[Dict[Text, Any]]) -> bool:
        if len(ranking) < 2:
            return False
        first, second = ranking[0], ranking[1]
        pair = frozenset((first.get(INTENT_NAME_KEY), second.get(INTENT_NAME_KEY)))
        gap = float(first.get(PREDICTED_CONFIDENCE_KEY) or 0.0) - float(second.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        return pair in self._contradictory and gap < float(self.component_config["ambiguity_threshold"])
