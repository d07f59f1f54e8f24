"""Rasa component: the intent classifier, with its own features (nlu_components/text_features.py:
jieba words, character n-grams and pinyin syllables, TF-IDF weighted) and a logistic regression.

An intent whose examples are grouped by `metadata: {topic: ...}` in data/nlu (out_of_scope:
top-ups, invoices, renewals...) is learned topic by topic, since each topic is a tight family of
wordings where the whole intent is not; the ranking sums each intent's topics, and the likeliest
topic of the winning intent is given as `topic` ({"name", "confidence" within the intent}).

Settings (config.yml) were chosen by 5-fold cross-validation on data/nlu and the real
cloud-support dev set (docs/benchmark.md), never by the held-out split.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from bot.settings import PROJECT_ROOT
from nlu_components.text_features import TextFeatures, load_dictionary

logger = logging.getLogger(__name__)
RANKING_LENGTH = 10
TOPIC_KEY = "topic"
SEPARATOR = "::"
# Types outside skops' defaults that the saved model holds (the vectorizers' dtype and idf);
# anything else in the file is refused.
TRUSTED_TYPES = frozenset({"scipy.sparse._csr.csr_matrix", "builtins.type", "numpy.float64"})


def label_of(message: Message) -> str:
    """The class a training example teaches: its intent, or `intent::topic`."""
    topic = ((message.get(METADATA) or {}).get(METADATA_INTENT) or {}).get(TOPIC_KEY)
    return f"{message.get(INTENT)}{SEPARATOR}{topic}" if topic else str(message.get(INTENT))


class IntentModel:
    """Features, the regression over fine labels, and their folding into intents."""

    def __init__(self, settings: Dict[str, Any]) -> None:
        self.settings = settings
        self.features = TextFeatures(settings)
        self.regression = LogisticRegression(C=float(settings["C"]), class_weight=settings["class_weight"],
                                             solver="liblinear", max_iter=int(settings["max_iter"]))

    def fit(self, texts: List[str], labels: List[str]) -> "IntentModel":
        self.regression.fit(self.features.fit_transform(texts), labels)
        return self

    def rank(self, texts: List[str]) -> List[Tuple[List[Tuple[str, float]], Optional[Tuple[str, float]]]]:
        """For each text: intents with their confidence, best first, and the winner's topic."""
        fine = [str(c) for c in self.regression.classes_]
        intents = sorted({c.split(SEPARATOR)[0] for c in fine})
        column = np.array([intents.index(c.split(SEPARATOR)[0]) for c in fine])
        out = []
        for row in self.regression.predict_proba(self.features.transform(texts)):
            folded = np.bincount(column, weights=row, minlength=len(intents))
            ranking = sorted(zip(intents, (float(p) for p in folded)), key=lambda r: -r[1])
            best, best_p = ranking[0]
            topics = [(c.split(SEPARATOR, 1)[1], float(p)) for c, p in zip(fine, row) if c.startswith(best + SEPARATOR)]
            topic = max(topics, key=lambda t: t[1]) if topics else None
            out.append((ranking, (topic[0], topic[1] / best_p if best_p else 0.0) if topic else None))
        return out

    def state(self) -> Dict[str, Any]:
        return {"vectorizers": self.features.vectorizers, "weights": self.features.weights,
                "regression": self.regression}

    @classmethod
    def from_state(cls, settings: Dict[str, Any], state: Dict[str, Any]) -> "IntentModel":
        model = cls(settings)
        model.features.vectorizers, model.features.weights = state["vectorizers"], state["weights"]
        model.regression = state["regression"]
        return model


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfLogisticRegressionClassifier(GraphComponent, IntentClassifier):
    """Intent, ranking and topic from words, characters and pinyin."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "class_weight": "balanced", "max_iter": 3000, "min_df": 2, "word_ngrams": [1, 1],
                "char_ngrams": [1, 3], "pinyin_ngrams": [1, 2], "words_weight": 0.5, "chars_weight": 1.0,
                "pinyin_weight": 1.0, "dictionary_path": "data/dictionary"}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        if float(self.config["C"]) <= 0:
            raise ValueError("TfidfLogisticRegressionClassifier: C must be positive")
        dictionary = Path(self.config["dictionary_path"])
        load_dictionary(dictionary if dictionary.is_absolute() else PROJECT_ROOT / dictionary)
        self._model_storage = model_storage
        self._resource = resource
        self.model: Optional[IntentModel] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TfidfLogisticRegressionClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        self.model = IntentModel(self.config).fit([e.get(TEXT) for e in examples], [label_of(e) for e in examples])
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None or not messages:
            return messages
        for message, (ranking, topic) in zip(messages, self.model.rank([m.get(TEXT) or "" for m in messages])):
            named = [{"name": n, "confidence": p} for n, p in ranking]
            message.set(INTENT, named[0], add_to_output=True)
            message.set("intent_ranking", named[:RANKING_LENGTH], add_to_output=True)
            if topic is not None:
                message.set(TOPIC_KEY, {"name": topic[0], "confidence": topic[1]}, add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        if self.model is None:
            return
        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self.model.state(), directory / "intent_model.skops")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfLogisticRegressionClassifier":
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / "intent_model.skops"
                unknown = set(sio.get_untrusted_types(file=path))
                if unknown - TRUSTED_TYPES:
                    raise ValueError(f"untrusted types in the intent classifier: {sorted(unknown - TRUSTED_TYPES)}")
                component.model = IntentModel.from_state(component.config, sio.load(path, trusted=sorted(unknown)))
        except ValueError as error:
            logger.warning("intent classifier not loaded: %s", error)
        return component
