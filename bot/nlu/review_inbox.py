"""The NLU review inbox (what Rasa X gave open-source users): customer messages the assistant
understood badly — the fallback intent, or a best guess below `REVIEW_BELOW` — kept masked like
the logs, one row per wording (counted), for an operator to label with the right intent or
dismiss. Labelled rows export as a Rasa NLU training file for the data team to review and merge;
wordings already in our training data, our held-out test set or the external evaluation sets
are left out of the export (we never train on evaluation data)."""
from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Set

import yaml
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.clock import utcnow
from bot.nlu.normalize import normalize_text
from bot.observability.masking import mask_personal_data
from bot.storage.schema import NluReviewRow
from bot.uploads import EVIDENCE_UPLOADED_INTENT
from bot.vocabulary import ReviewStatus

FALLBACK_INTENT = "nlu_fallback"
REVIEW_BELOW = Decimal("0.5")  # a best guess less sure than this is worth a human look
MAX_CHARS = 500
# Rasa's training-data markup: [text](entity), [text](entity:value), [text]{"entity": ...},
# [text][{...}, {...}]; and an intent with entities typed as a message, /intent{"slot": "..."}.
ENTITY_ANNOTATION = re.compile(r"\[([^\[\]]*)\](?:\([^()]*\)|\{[^{}]*\}|\[[^\[\]]*\])")
INTENT_MARKUP = re.compile(r"(?:^|(?<=\s))/[A-Za-z_][\w-]*(?:\{[^{}]*\})?")


@dataclass(frozen=True)
class ReviewItem:
    id: int
    text: str
    predicted_intent: str
    confidence: Decimal
    seen: int
    first_seen: datetime
    last_seen: datetime
    status: str
    label: Optional[str]
    labelled_by: Optional[str]
    conversation_id: Optional[str] = None  # the conversation it was last said in


def needs_review(intent: Optional[str], confidence: object, in_form: bool = False) -> bool:
    """Whether a parse result goes to the inbox: the fallback, or an unsure best guess — but
    inside a form an unsure guess is usually an answer the form reads itself (「需求变化」),
    so there only the fallback counts."""
    if not intent or intent == FALLBACK_INTENT:
        return True
    if in_form:
        return False
    try:
        return Decimal(str(confidence)) < REVIEW_BELOW
    except ArithmeticError:
        return True


def plain_wording(text: str) -> str:
    """The words alone: Rasa annotations (`[c1002](customer_id)`, `[x]{"entity": ...}`,
    `/intent{...}`) reduced to their text, so what a customer typed can never add entities,
    slots or intents to the training data. Each pass removes a pair of brackets (nested ones
    take more passes); stored texts are at most MAX_CHARS long."""
    previous = None
    while previous != text:
        previous, text = text, ENTITY_ANNOTATION.sub(lambda m: m.group(1), text)
    return re.sub(r"\s+", " ", INTENT_MARKUP.sub(" ", text)).strip()


def wording_key(text: str) -> str:
    """One key for the same wording: normalised (full-width, traditional, case) and spaces squeezed."""
    return re.sub(r"\s+", " ", normalize_text(text)).strip().lower()


class ReviewInbox:
    def __init__(self, sessions: sessionmaker, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self.clock = clock

    def record(self, text: str, intent: Optional[str], confidence: object, conversation_id: Optional[str] = None) -> bool:
        """Keep a badly understood customer message (masked) said to the assistant in
        `conversation_id`; True when a row was added or counted. Button payloads
        ("/intent{...}") and empty texts are not customer wording."""
        masked = mask_personal_data(re.sub(r"\s+", " ", text or "").strip())[:MAX_CHARS]
        if not masked or masked.startswith("/") or not needs_review(intent, confidence):
            return False
        digest = hashlib.sha256(wording_key(masked).encode("utf-8")).hexdigest()
        score = _confidence(confidence)
        now = self.clock()
        conversation = conversation_id[:128] if conversation_id else None
        if self._count_again(digest, now, conversation):
            return True
        try:
            with self._sessions.begin() as session:
                session.add(NluReviewRow(text=masked, text_hash=digest, predicted_intent=(intent or FALLBACK_INTENT)[:64],
                                         confidence=score, seen=1, first_seen=now, last_seen=now,
                                         status=ReviewStatus.NEW, conversation_id=conversation))
        except IntegrityError:  # the same wording arrived twice at once: count it instead
            self._count_again(digest, now, conversation)
        return True

    def _count_again(self, digest: str, now: datetime, conversation_id: Optional[str]) -> bool:
        """One more sighting of a stored wording (now in `conversation_id`, when known); False
        when it is not stored yet."""
        more = {"seen": NluReviewRow.seen + 1, "last_seen": now}
        if conversation_id:
            more["conversation_id"] = conversation_id
        with self._sessions.begin() as session:
            return session.execute(update(NluReviewRow).where(NluReviewRow.text_hash == digest)
                                   .values(**more)).rowcount > 0

    def items(self, status: Optional[str] = ReviewStatus.NEW, limit: int = 200) -> List[ReviewItem]:
        """The inbox, most frequent first, then the newest."""
        query = select(NluReviewRow).order_by(NluReviewRow.seen.desc(), NluReviewRow.last_seen.desc()).limit(limit)
        if status:
            query = query.where(NluReviewRow.status == status)
        with self._sessions() as session:
            return [_item(row) for row in session.scalars(query)]

    def label(self, item_id: int, intent: str, staff_id: str) -> Optional[ReviewItem]:
        """Say which intent the message is (the caller checks the intent is one of the domain's)."""
        return self._decide(item_id, ReviewStatus.LABELLED, intent, staff_id)

    def dismiss(self, item_id: int, staff_id: str) -> Optional[ReviewItem]:
        return self._decide(item_id, ReviewStatus.DISMISSED, None, staff_id)

    def _decide(self, item_id: int, status: ReviewStatus, intent: Optional[str], staff_id: str) -> Optional[ReviewItem]:
        with self._sessions.begin() as session:
            row = session.get(NluReviewRow, item_id)
            if row is None:
                return None
            row.status, row.label, row.labelled_by, row.labelled_at = status.value, intent, staff_id, self.clock()
            session.flush()
            return _item(row)

    def export(self, excluded: Set[str]) -> str:
        """The labelled wordings as a Rasa NLU training file (YAML, `version: "3.1"`), grouped by
        intent; wordings whose key is in `excluded` (known or evaluation data) are left out."""
        by_intent: Dict[str, List[str]] = {}
        for item in self.items(ReviewStatus.LABELLED, limit=10_000):
            text = plain_wording(item.text)
            if item.label and text and wording_key(text) not in excluded:
                by_intent.setdefault(item.label, []).append(text)
        lines = ['version: "3.1"', "nlu:"]
        for intent in sorted(by_intent):
            lines += [f"- intent: {intent}", "  examples: |"]
            lines += [f"    - {text}" for text in sorted(set(by_intent[intent]))]
        return "\n".join(lines) + "\n" if by_intent else 'version: "3.1"\nnlu: []\n'


def known_wordings(nlu_files: Iterable[Path], eval_dir: Optional[Path]) -> Set[str]:
    """Keys of every wording in our NLU files (entity annotations removed) and in the
    evaluation sets (every cell of their .tsv files), which the export must not repeat."""
    keys: Set[str] = set()
    for path in nlu_files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                example = line.strip()
                if example.startswith("- "):
                    keys.add(wording_key(plain_wording(example[2:])))
    if eval_dir is not None and eval_dir.is_dir():
        for path in sorted(eval_dir.glob("*.tsv")):
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.reader(handle, delimiter="\t"):
                    keys.update(wording_key(cell) for cell in row if cell.strip())
    return keys


def _confidence(value: object) -> Decimal:
    try:
        return min(max(Decimal(str(value)), Decimal(0)), Decimal(1)).quantize(Decimal("0.001"))
    except ArithmeticError:
        return Decimal(0)


def _item(row: NluReviewRow) -> ReviewItem:
    return ReviewItem(row.id, row.text, row.predicted_intent, row.confidence, row.seen, row.first_seen, row.last_seen,
                      row.status, row.label, row.labelled_by, row.conversation_id)


def domain_intents(domain_file: Path) -> List[str]:
    """The intents an operator may choose from: the domain's, without the fallback and without
    the ones only the website triggers (no customer words mean them)."""
    document = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    return [str(i) for i in document.get("intents") or [] if str(i) not in (FALLBACK_INTENT, EVIDENCE_UPLOADED_INTENT)]
