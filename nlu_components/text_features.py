"""Three sparse views of a customer message for the intent classifier, each chosen to carry over
to wordings the training data never had (no Rasa import: the tuning script uses the same code).

* words: jieba words (with the domain dictionary), single words and pairs;
* characters: character n-grams, so a word jieba splits differently, or a typo in one
  character, still shares most of its n-grams;
* pinyin: the toneless syllables of every Chinese character, single and in pairs, so a
  homophone typo (推款, 退宽 for 退款) and a message typed in pinyin (「tui kuan」) read like the
  characters they stand for.

Before any view, ids and numbers are replaced by their kind (an order id, a ticket id, an
instance id, a number): a 16-digit order id is a fact about the message, its digits are not.
The patterns are linear (no nested quantifiers).
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import jieba
from pypinyin import Style, pinyin
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.normalize import normalize_text

# (pattern, stand-in): the stand-ins are single characters no customer types, so every view
# sees one token for one id.
SHAPES: Tuple[Tuple["re.Pattern[str]", str], ...] = (
    (re.compile(r"(?<![0-9])\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}(?![0-9])"), " Ⓞ "),
    (re.compile(r"rf ?\d{12}(?![0-9])"), " Ⓣ "),
    (re.compile(r"ins-[a-z0-9]{8}(?![a-z0-9])"), " Ⓘ "),
    (re.compile(r"https?://\S+"), " Ⓤ "),
    (re.compile(r"\d+(?:\.\d+)?"), "⑨"),
)
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[a-z]+")
VIEWS = ("words", "chars", "pinyin")


def shape(text: str) -> str:
    """Normalised, lower-cased text with ids, links and numbers replaced by their kind."""
    shaped = normalize_text(text or "").lower()
    for pattern, stand_in in SHAPES:
        shaped = pattern.sub(stand_in, shaped)
    return " ".join(shaped.split())


_dictionaries_loaded: set = set()


def load_dictionary(folder: Path) -> None:
    """Add the domain words (every file of `folder`) to jieba, once per folder."""
    if folder in _dictionaries_loaded:
        return
    for path in sorted(folder.iterdir()):
        if path.is_file():
            jieba.load_userdict(str(path))
    _dictionaries_loaded.add(folder)


def words(shaped: str) -> str:
    return " ".join(w for w in jieba.lcut(shaped) if w.strip() and (w.isalnum() or w in "ⓄⓉⒾⓊ⑨"))


@lru_cache(maxsize=8192)
def _syllable(ch: str) -> str:
    return pinyin(ch, style=Style.NORMAL, heteronym=False)[0][0]


@lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset:
    """Every toneless syllable pypinyin writes (ü as v, as Style.NORMAL does)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
            found.add("".join(c for c in decomposed if not unicodedata.combining(c)))
    return frozenset(s for s in found if s.isascii() and s.isalpha())


def split_pinyin(word: str) -> List[str]:
    """「woyaotuikuan」 as [wo, yao, tui, kuan]: the fewest syllables that spell the whole word, or
    the word itself when no syllables do (English). Linear: at most six letters per syllable."""
    known = _pinyin_syllables()
    best: List[Optional[List[str]]] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in known and (best[end] is None or len(head) + 1 < len(best[end])):
                best[end] = head + [word[start:end]]
    return best[-1] or [word]


def syllables(shaped: str) -> str:
    """Pinyin of each Chinese character; Latin words split into pinyin syllables when they spell
    some (pinyin typed without spaces), else kept as they are (English)."""
    out: List[str] = []
    for match in re.finditer(r"[\u4e00-\u9fff]|[a-z]+", shaped):
        token = match.group()
        out.extend([_syllable(token)] if HAN.match(token) else split_pinyin(token))
    return " ".join(out)


def views(text: str) -> Dict[str, str]:
    shaped = shape(text)
    return {"words": words(shaped), "chars": shaped, "pinyin": syllables(shaped)}


class TextFeatures:
    """TF-IDF (sublinear) over each view, side by side, each view scaled by its weight."""

    def __init__(self, settings: Dict[str, Any]) -> None:
        self._tables: Optional[List[Tuple[str, Callable[[str], List[str]], Dict[str, int], List[float]]]] = None
        self.weights = {view: float(settings.get(f"{view}_weight", 1.0)) for view in VIEWS}
        min_df = int(settings.get("min_df", 1))
        self.vectorizers = {
            "words": TfidfVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False, sublinear_tf=True,
                                     min_df=min_df, ngram_range=tuple(settings.get("word_ngrams", (1, 2)))),
            "chars": TfidfVectorizer(analyzer="char", lowercase=False, sublinear_tf=True, min_df=min_df,
                                     ngram_range=tuple(settings.get("char_ngrams", (1, 3)))),
            "pinyin": TfidfVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False, sublinear_tf=True,
                                      min_df=min_df, ngram_range=tuple(settings.get("pinyin_ngrams", (1, 2)))),
        }

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        table = [views(t) for t in texts]
        self._tables = None
        return self._stack({v: self.vectorizers[v].fit_transform([row[v] for row in table]) for v in VIEWS
                            if self.weights[v] > 0})

    def transform(self, texts: Iterable[str]) -> csr_matrix:
        """The fitted features of `texts`, row by row: the same numbers as the vectorizers'
        own transform (tests/nlu/test_text_features.py), without their ~1 ms of checks per call."""
        rows = [self._row(views(t)) for t in texts]
        data = [v for _, values in rows for v in values]
        indices = [i for columns, _ in rows for i in columns]
        pointers = [0]
        for columns, _ in rows:
            pointers.append(pointers[-1] + len(columns))
        return csr_matrix((data, indices, pointers), shape=(len(rows), self.width))

    @property
    def width(self) -> int:
        return sum(len(self.vectorizers[v].vocabulary_) for v in VIEWS if self.weights[v] > 0)

    def _row(self, table: Dict[str, str]) -> Tuple[List[int], List[float]]:
        columns: List[int] = []
        values: List[float] = []
        offset = 0
        for view, analyze, vocabulary, idf in self._compiled():
            counts: Dict[int, int] = {}
            for gram in analyze(table[view]):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            weighted = {i: (1.0 + math.log(n)) * idf[i] for i, n in sorted(counts.items())}
            norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
            columns += [offset + i for i in weighted]
            values += [w / norm * self.weights[view] for w in weighted.values()]
            offset += len(vocabulary)
        return columns, values

    def _compiled(self) -> List[Tuple[str, Callable[[str], List[str]], Dict[str, int], List[float]]]:
        """Each used view's analyzer, vocabulary and idf, read once from the fitted vectorizers."""
        if getattr(self, "_tables", None) is None:
            self._tables = [(v, self.vectorizers[v].build_analyzer(), self.vectorizers[v].vocabulary_,
                             [float(x) for x in self.vectorizers[v].idf_]) for v in VIEWS if self.weights[v] > 0]
        return self._tables

    def _stack(self, parts: Dict[str, csr_matrix]) -> csr_matrix:
        return hstack([parts[v] * self.weights[v] for v in VIEWS if v in parts]).tocsr()
