"""Rasa component: intent classifier over the featurizers' sparse sentence features, weighted
by TF-IDF (sublinear term frequency) and classified by a logistic regression whose
regularisation can be set.

Rasa's own LogisticRegressionClassifier fixes C=1 on raw counts. On our held-out splits and
the external sets, TF-IDF weighting with C=10 reads customers better (see docs/benchmark.md,
"pipelines"): rare, telling words weigh more than the 退款 that every intent shares.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, vstack
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)
RANKING_LENGTH = 10
# Types skops does not trust by default that the pipeline holds (TF-IDF keeps its idf as a
# sparse diagonal matrix); anything else in the file is refused.
TRUSTED_TYPES = frozenset({"scipy.sparse._csr.csr_matrix"})


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfLogisticRegressionClassifier(GraphComponent, IntentClassifier):
    """Intent and ranking from TF-IDF-weighted sparse features and a logistic regression."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "max_iter": 3000, "random_state": 42}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        if float(self.config["C"]) <= 0:
            raise ValueError("TfidfLogisticRegressionClassifier: C must be positive")
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = Pipeline([
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("classify", LogisticRegression(C=float(self.config["C"]), max_iter=int(self.config["max_iter"]),
                                            class_weight="balanced", random_state=self.config["random_state"])),
        ])
        self.trained = False

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TfidfLogisticRegressionClassifier":
        return cls(config, model_storage, resource)

    @staticmethod
    def _features(messages: List[Message], width: int = 0) -> csr_matrix:
        """One row of sentence features per message; a message without any (only spaces: the
        featurizers skip it) gets a row of zeros `width` wide, or as wide as the others."""
        rows = []
        for message in messages:
            sparse = message.get_sparse_features(attribute=TEXT)[1]
            rows.append(csr_matrix(sparse.features) if sparse is not None else None)
        width = max((r.shape[1] for r in rows if r is not None), default=width)
        return vstack([r if r is not None else csr_matrix((1, width)) for r in rows]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        self.pipeline.fit(self._features(examples), [e.get(INTENT) for e in examples])
        self.trained = True
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.trained or not messages:
            return messages
        probabilities = self.pipeline.predict_proba(self._features(messages, self.pipeline.n_features_in_))
        labels = self.pipeline.classes_
        for message, row in zip(messages, probabilities):
            ranking = sorted(({"name": str(n), "confidence": float(p)} for n, p in zip(labels, row)),
                             key=lambda r: -r["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[:RANKING_LENGTH], add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self.pipeline, directory / "pipeline.skops")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfLogisticRegressionClassifier":
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / "pipeline.skops"
                unknown = set(sio.get_untrusted_types(file=path))
                if unknown - TRUSTED_TYPES:
                    raise ValueError(f"untrusted types in the intent classifier: {sorted(unknown - TRUSTED_TYPES)}")
                component.pipeline = sio.load(path, trusted=sorted(unknown))
                component.trained = True
        except ValueError as error:
            logger.warning("intent classifier not loaded: %s", error)
        return component
