"""What a customer's e-mail says: the orders and tickets it names, the refund reason, when a
fault happened, the description, and what it asks for (several requests are read apart).

`read_mail` is the one place the intake reads text. It uses the chat's extraction (bot.nlu:
ids, dates and reasons located by the same patterns the assistant's NLU uses) over the
normalised text; the requests are read sentence by sentence. When the domain core's reader
(bot/reading) is on main, this function switches to it and nothing else changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Tuple

from bot.nlu.extract import extract_entities
from bot.nlu.normalize import normalize_text
from bot.vocabulary import MailRequest

READ_CHARS = 4000       # the customer's own words read for facts (the whole text is kept)
MAX_SENTENCES = 40
DESCRIPTION_CHARS = 2000
# Per sentence, the first request whose words it uses (more specific first). A stopgap over
# keywords until the shared reader classifies e-mail sentences like chat messages.
REQUEST_WORDS: List[Tuple[MailRequest, Tuple[str, ...]]] = [
    (MailRequest.COMPLAINT, ("投诉", "12315", "315", "曝光", "消协", "工信部", "律师", "起诉", "太差劲", "欺诈", "骗子")),
    (MailRequest.APPEAL, ("申诉", "不服", "复核", "重新审核", "驳回", "拒绝了我", "凭什么拒绝", "不同意审核结果")),
    (MailRequest.WITHDRAW, ("撤回", "撤销申请", "取消申请", "不退了", "不用退了", "退款不要了", "取消退款")),
    (MailRequest.STATUS, ("进度", "到哪了", "到哪里了", "什么时候到账", "何时到账", "多久到账", "怎么还没到", "还没到账",
                          "还没收到", "审核到", "处理到", "状态")),
    (MailRequest.HUMAN, ("人工", "真人", "客服电话", "回电", "打电话给我", "联系我", "专人")),
    (MailRequest.REFUND, ("退款", "退钱", "退费", "退订", "退掉", "申请退", "要求退", "把钱退", "返还费用", "赔偿", "补偿")),
]
PIECE_CHARS = 160
PIECE_OVERLAP = 30
LONG_DIGITS = re.compile(r"\d{21,}")  # longer than any order (16) or ticket (RF + up to 16) number
SENTENCE_END = re.compile(r"[。！？!?；;\n]+")


@dataclass(frozen=True)
class MailReading:
    """What the intake understood from a message."""

    requests: Tuple[MailRequest, ...] = ()
    order_ids: Tuple[str, ...] = ()
    ticket_ids: Tuple[str, ...] = ()
    reason: Optional[str] = None          # a RefundReason value
    incident_time: Optional[str] = None   # ISO time in Beijing time
    description: str = ""                 # the customer's own words (for the form and the agent)

    @property
    def placed(self) -> bool:
        """The reader found something to act on."""
        return bool(self.requests or self.order_ids or self.ticket_ids or self.reason)


def read_mail(subject: str, text: str, now: datetime) -> MailReading:
    """Read the subject and the customer's own words (`text`, quotes already left out)."""
    words = f"{subject}\n{text}"[:READ_CHARS]
    normal = normalize_text(words)
    entities = [e for piece in pieces(normal) for e in extract_entities(piece, now)]
    orders = _unique(e.value for e in entities if e.entity == "order_id")
    tickets = _unique(e.value for e in entities if e.entity == "ticket_id")
    reason = next((e.value for e in entities if e.entity == "refund_reason"), None)
    when = next((e.value for e in entities if e.entity == "date"), None)
    return MailReading(requests=_requests(normal), order_ids=orders, ticket_ids=tickets, reason=reason,
                       incident_time=when, description=text.strip()[:DESCRIPTION_CHARS])


def pieces(normal: str) -> List[str]:
    """The text in sentences of at most PIECE_CHARS (longer ones in overlapping windows, so an
    id across a cut is still whole in one), with digit runs too long to be any id blanked: the
    chat's patterns cost more than linear time in a long run of digits, and e-mail is long."""
    blanked = LONG_DIGITS.sub(lambda m: " " * len(m.group(0)), normal)
    found: List[str] = []
    short = ""  # short sentences share a piece (kept apart by 「。」): one extraction each costs
    # the same fixed work, and a message of thousands of one-character sentences is cheap to send
    step = PIECE_CHARS - PIECE_OVERLAP
    for sentence in SENTENCE_END.split(blanked):
        if not sentence.strip():
            continue
        if len(sentence) > PIECE_CHARS:
            found.extend([short] if short else [])
            short = ""
            found.extend(sentence[start:start + PIECE_CHARS]
                         for start in range(0, max(1, len(sentence) - PIECE_OVERLAP), step))
        elif short and len(short) + 1 + len(sentence) <= PIECE_CHARS:
            short = f"{short}。{sentence}"
        else:
            found.extend([short] if short else [])
            short = sentence
    return found + ([short] if short else [])


def _requests(normal: str) -> Tuple[MailRequest, ...]:
    found: List[MailRequest] = []
    for sentence in SENTENCE_END.split(normal)[:MAX_SENTENCES]:
        for request, words in REQUEST_WORDS:
            if any(word in sentence for word in words):
                if request not in found:
                    found.append(request)
                break
    return tuple(found)


def _unique(values) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(values))
