"""Which refund-policy topic a question is about: a small character n-gram classifier trained
from data/faq/topics.yml (in milliseconds, when first needed)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from bot.nlu.normalize import normalize_text
from bot.settings import PROJECT_ROOT

TOPICS_FILE = PROJECT_ROOT / "data" / "faq" / "topics.yml"
MIN_CONFIDENCE = 0.25


def load_examples(path: Path = TOPICS_FILE) -> Dict[str, List[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not all(isinstance(v, list) and v for v in raw.values()):
        raise ValueError(f"{path}: expected topic -> list of questions")
    return {str(topic): [str(q) for q in questions] for topic, questions in raw.items()}


class TopicClassifier:
    def __init__(self, examples: Dict[str, List[str]]) -> None:
        texts = [normalize_text(q) for questions in examples.values() for q in questions]
        labels = [topic for topic, questions in examples.items() for _ in questions]
        self.model = Pipeline([
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
            ("classify", LogisticRegression(max_iter=2000, C=8.0)),
        ]).fit(texts, labels)

    def predict(self, text: str) -> Tuple[str, float]:
        """(topic, confidence); callers treat low confidence as 'general question'."""
        probabilities = self.model.predict_proba([normalize_text(text or "")])[0]
        best = probabilities.argmax()
        return str(self.model.classes_[best]), float(probabilities[best])


@lru_cache(maxsize=1)
def default_classifier() -> TopicClassifier:
    return TopicClassifier(load_examples())
