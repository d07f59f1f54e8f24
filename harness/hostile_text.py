"""Worst-case customer messages for the work-per-message checks: a fixed battery (long runs of
digits, letters, punctuation, numerals, mixed scripts, the fragments the patterns start from,
spaces between them, the channel's full length), a seeded generator that keeps producing new
ones for `make bench`, and the functions outside the NLU pipeline that read customer text.
Used by tests/security/test_bounded_work.py and bench/fuzz.py."""
from __future__ import annotations

import random
from typing import Callable, Dict, Iterator, List

from bot.channels.replies import MAX_MESSAGE_CHARS

# What patterns over customer text start from or repeat: digits and their separators, Chinese
# numerals and units, date and time words, ids, Markdown and link syntax, e-mail and masking
# labels, question endings, other scripts.
ATOMS: List[str] = [
    "1", "0", "9", " ", ",", ".", "-", "/", ":", "：", "一", "二", "两", "十", "百", "千", "万", "亿", "点", "零", "〇",
    "年", "月", "日", "号", "天", "前", "以", "周", "星期", "上", "个", "第", "台", "最后", "晚上", "下午", "半", "分",
    "元", "块", "块钱", "多", "¥", "rmb", "核", "c", "vcpu", "g", "gb", "RF", "ins-", "a", "Z", "@", "%", "+", "_",
    "[", "]", "(", ")", "!", "<", ">", "http://", "order id", "订单号", "提取码", "吗", "？", "?", "退款", "我要",
    "服务器", "机器", "续费", "双十一", "满意", "分钟", "回电", "留言", "不记得", "。", "，", "\n", "\t", "😀", "é",
    "한", "ع", "ש", "\u202e", "\u200b", "Ａ", "１", "萬", "貳",
]
# Fragments that are entities, or nearly: repeated, they put many candidates next to each other.
FRAGMENTS: List[str] = [
    "2026112400010001 ", "2026 1124 0001 0001", "RF202611250001", "ins-a1b2c3d4", "11月20日", "2026-11-20",
    "前天晚上8点半", "上周三下午", "3天前", "1200元", "一千二百块", "¥99.5", "8核16G", "4 vCPU 8 GB", "第一个",
    "![x](http://a/b)", "[a](javascript:x)", "<a:b>", "a@b.cn", "http://x.cn/s 提取码：abcd ", "13800138000",
    "110101199003071234", "6222020200112233445", "我要退款，订单2026112400010001，11月20日买的8核16G那台，花了1200元。",
]


def fixed_battery(length: int = MAX_MESSAGE_CHARS, every_variant: bool = True) -> Dict[str, str]:
    """Named worst cases, each exactly `length` characters: every atom and fragment repeated,
    alone between long runs of spaces, in turn with digits and, with `every_variant`, before
    and after a long run of digits; digits with spaces between them, Chinese numerals in a row,
    and scripts mixed."""
    cases: Dict[str, str] = {}
    for piece in ATOMS + FRAGMENTS:
        cases[f"run {piece!r}"] = _fill(piece, length)
        cases[f"{piece!r} then spaces"] = _fit(piece + " " * length, length - 1) + "x"
        cases[f"{piece!r} and digits"] = _fill(piece + "1", length)
        if every_variant:
            cases[f"digits then {piece!r}"] = _fit("1" * (length - len(piece)) + piece, length)
            cases[f"{piece!r} then digits"] = _fit(piece + "1" * length, length)
    cases["digits spaced"] = _fill("1 ", length)
    cases["numerals"] = _fill("一二三四五六七八九十百千万亿点零〇两", length)
    cases["mixed scripts"] = _fill("a中é한ع😀Ω١", length)
    return cases


def generated(seed: int, count: int, length: int = MAX_MESSAGE_CHARS) -> Iterator[str]:
    """`count` seeded random messages of up to `length` characters: a few atoms and fragments,
    each repeated a random number of times, in random order."""
    rng = random.Random(seed)
    pool = ATOMS + FRAGMENTS
    for _ in range(count):
        parts: List[str] = []
        while sum(map(len, parts)) < length:
            piece = "".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
            parts.append(piece * rng.choice((1, 2, 5, 50, 500, length)))
        yield _fit("".join(parts), rng.choice((length, length, rng.randint(1, length))))


def _fill(piece: str, length: int) -> str:
    return _fit(piece * (length // len(piece) + 1), length)


def _fit(text: str, length: int) -> str:
    return text[:length]


def readers() -> Dict[str, Callable[[str], object]]:
    """Every function that reads customer text in the chat channel (normalising, the review
    inbox, the masked logs, the Markdown of replies that quote the customer), in the action
    server, in the website's refund form and in the mail intake, by name; the entity extractor
    belongs to the NLU pipeline."""
    from bot.channels.markdown import safe_markdown
    from bot.clock import utcnow
    from bot.faq.answers import product_named
    from bot.faq.topics import default_classifier
    from bot.handoff.contact import contact_kind, message_text, mobile_in, mobile_number
    from bot.mail.parse import decode_header_value, html_to_text, own_words
    from bot.nlu import form_answers, reader
    from bot.nlu.feedback import contact_choice, survey_score
    from bot.nlu.normalize import normalize_text
    from bot.nlu.reasons import find_reason
    from bot.nlu.review_inbox import wording_key
    from bot.observability.masking import mask_personal_data
    from bot.refunds.application import incident_moment
    from bot.refunds.order_reference import OrderClues
    from bot.uploads.store import safe_filename
    from nlu_components.refund_demand import ASKS, DEMAND, REFUND_WORD

    topics = default_classifier()
    return {
        "normalize_text": normalize_text,
        "find_reason": find_reason,
        "survey_score": survey_score,
        "contact_choice": contact_choice,
        "looks_like_time": lambda text: form_answers.looks_like_time(text, has_date_entity=False),
        "asks_a_question": lambda text: form_answers.asks_a_question("ask_refund_policy", 0.1, text),
        "is_only_a_time": lambda text: form_answers.is_only_a_time(text, [(i, i + 2) for i in range(0, len(text), 5)]),
        "evidence_links": form_answers.evidence_links,
        "changed_reason": lambda text: reader.changed_reason(text, None),
        "mask_personal_data": mask_personal_data,
        "safe_markdown": safe_markdown,
        "wording_key": wording_key,
        "topic": topics.predict,
        "product_named": product_named,
        "mobile_number": mobile_number,
        "message_text": message_text,
        "contact_kind": contact_kind,
        "refund_question_words": lambda text: (ASKS.search(text), DEMAND.search(text), REFUND_WORD.search(text)),
        "order_clues": lambda text: OrderClues.from_entities([{"entity": e, "value": text} for e in
                                                              ("product", "spec", "amount", "date", "ordinal")]),
        # The website's application form (its time field; an upload's name) and the mail intake
        # (its quotes and HTML, its encoded headers; read_mail reads a bounded prefix and has its
        # own test in tests/mail/test_reading.py).
        "incident_moment": incident_moment,
        "safe_filename": safe_filename,
        "own_words": own_words,
        "html_to_text": lambda text: html_to_text(f"<div>{text}</div><p>{text}</p>"),
        "decode_header_value": decode_header_value,
        "reader": lambda text: reader.read(text, "inform", [], "refund_reason", utcnow()),
        "order_words": lambda text: OrderClues.from_message(text, [], utcnow()),
        "side_requests": reader.side_requests,
        "evidence_words": lambda text: (reader.says_uploaded(text), reader.says_no_evidence(text)),
        "appeal_words": lambda text: (reader.appeal_demanded(text), reader.appeal_grounds(text)),
        "other_kinds": lambda text: (reader.wants_partial_keep(text), reader.withdraw_asked(text),
                                     reader.still_dissatisfied(text), reader.denies_complaint(text),
                                     reader.call_about(text), reader.ruled_out_removed(text, [])),
        "mobile_in": mobile_in,
    }
