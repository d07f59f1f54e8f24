"""The reader: one customer message read in the context of the dialogue, once.

Input: the text, the intent the classifier ranked first and the entities the NLU found, and the
dialogue context (the question pending, what is in focus). Output: one `Reading` — what the
customer does relative to the pending question (answers it, corrects or changes an earlier
answer, pauses, stops, confirms, declines, asks a side question) and the clues to the order or
ticket meant (`OrderClues`, matched against the customer's own orders by
bot.refunds.order_reference) and the values (reason, whether the words describe a fault).

Every wording kind lives here as a small list of phrase patterns, each named for what customers
do with it; adding a wording means adding it to its kind (see the README's NLU section), never a
list of its own in an action. Pure: no Rasa, no database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from bot.clock import CUSTOMER_TZ
from bot.nlu.normalize import normalize_text
from bot.nlu.numbers import parse_number
from bot.nlu.reasons import find_reason, find_reasons
from bot.vocabulary import RefundReason, TicketKind, TicketStatus

NUMERAL = r"(?:\d+|[零一二两三四五六七八九十百千]+)"

# ---- What the customer does with the pending question -------------------------------------
# Stops what is going on: 「算了」「不弄了」「不退了」「那不用了」「先不退了」.
STOP = re.compile(r"算了|不弄了|不办了|不申请了|不退了|先不退|不想退了|不用退了|那不用了|那就不用了|那不要了|那就不要了|"
                  r"^\s*(?:哦|噢|啊|嗯)?\s*那?(?:就)?(?:不用了|不要了|算了吧?)\s*[。.!！]?\s*$|太麻烦|不折腾了|放弃")
# No to the question pending: 「不撤了」「不申诉了」「不要了」「这么少 算了」.
DECLINE = re.compile(r"不(?:撤|申诉|降|申请|要|用|需要|办|弄|提交|换)了|算了|不用|不要|不了|先不|没必要")
# An appeal asked for outright (「我要申诉」「申诉」「我不服 请重新审核」), not asked about (「能申诉吗」).
APPEAL_DEMAND = re.compile(r"(?:我要|要|想|提出?|发起)申诉|申诉吧|^\s*申诉|我不服|重新审核|复核一下")
# The appeal's grounds said with it: 「申诉 理由是…」「我要申诉，因为…」.
GROUNDS = re.compile(r"(?:理由是|原因是|因为|理由[:：]|原因[:：])\s*(.{4,})")
# Still disagrees (a person should talk to them), rather than asks how it ended: rejects the
# decision (「这结果我不认」「我不买账」), or is angry at how it was decided (「太霸道了」「没天理」「离谱」).
DISSATISFIED = re.compile(r"不服|不满|不合理|凭什么|不同意|不接受|不认可|太过分|欺负|忽悠|坑人|还是要申诉|再申诉|"
                          r"不认(?![识得真])|不买账|不能接受|接受不了|没法接受|无法接受|说不过去|没道理|不讲理|不讲道理|"
                          r"不公平|不公正|霸道|霸王|强盗|无赖|耍赖|欺人太甚|没天理|离谱|太黑|黑心|气死|气人|太生气|很生气|火大|"
                          r"咽不下")
# 「我不是要投诉 就问下…」: the complaint word said only to rule it out.
NOT_A_COMPLAINT = re.compile(r"不是(?:要|想)?投诉|不投诉|没(?:有)?要投诉|不是要找茬")
# 「那帮我申请」「申请一下」「帮我办了」: do what was just talked about.
APPLY = re.compile(r"帮我申请|申请一下|那就申请|给我申请|帮我办|帮我弄|帮我提")
# Taking back a filed application: 「申请撤销一下」「把退款撤了」「撤回申请」.
WITHDRAW_WORDS = re.compile(r"撤销|撤回|撤掉|撤了|撤单|撤下")
# The customer's own refund: 「我的退款是全额吗」「我这笔退款怎么算的」.
OWN_REFUND = re.compile(r"我(?:的|这个|这笔|这单|那笔|那个)(?:退款|退费|申请)")
# Keeping the resource but paying for less: 「想退一部分钱 机器还要继续用」 (a downgrade, not a refund).
KEEPS_RESOURCE = re.compile(r"(?:机器|服务器|实例|主机)?还要(?:继续)?用|继续用|不想释放|不释放|先留着|保留(?:机器|实例|服务器)")
PARTIAL_MONEY = re.compile(r"退(?:一|一小)?部分|退点|退些|退差价|差价退|退一点|配置(?:选|买)(?:高|大)了|配置太高")
# Pauses without stopping: 「等下 我先问问领导 先别提交」.
PEOPLE_ASKED = r"(?:老板|领导|财务|同事|上级|主管|经理|家人|家里|老婆|老公|合伙人|团队)"
PAUSE = re.compile(r"先别(?:提交|交|提|办)|等(?:一)?下再|等等再|我先问问|先问问|回头再|晚点再|稍后再|考虑一下|想一想|再想想|"
                   # 「等会儿 我问问财务」「稍等，我跟同事确认下」: a wait, then someone or something to check.
                   r"(?:等(?:一)?(?:下|会儿?)|稍等|等等|先等)[^。!！?？]{0,12}?(?:问|确认|商量|请示|核实|汇报|考虑|想想)|"
                   r"(?:问|请示)(?:一)?下(?:我们|我)?" + PEOPLE_ASKED + r"|跟" + PEOPLE_ASKED + r"(?:确认|商量|说一?下|汇报)")
# Takes back an earlier answer: 「等等 不是这个」「不对不对 搞混了」「打错了」「点错了，是…」.
CORRECTION = re.compile(r"不是这(?:个|单|台)|不是(?:刚才|上面)那|不对不对|搞混了|搞错了|弄错了|打错了|点错了|选错了订单|说错了|"
                        r"^\s*(?:哎|啊|诶|呃|额|噢|哦)?[呀，,\s]*不对(?!劲)|(?:要退|说|指)的是另|是另(?:外)?一(?:台|个|单|笔)|"
                        r"^\s*(?:等等|等下|等一下)[，,\s]*不是|改成|换成|改为|写成|应该是")
# What is meant instead, after a correction: 「…，是数据库那单」「…，要RDS那个」.
INSTEAD = re.compile(r"^[\s，,。.!！]*(?:而)?(?:是|要|应该是)\s*\S{2,}")
# Changes the reason: 「原因就写不需要了」「原因改成…」「理由就是…」.
REASON_CHANGE = re.compile(r"(?:原因|理由)(?:就|还是|改|换|写|填|是|为|选)")
# A change of an earlier answer: 「原因改成不需要了」「不是故障，是买错了」「算了不说故障了」.
CHANGED_ANSWER = re.compile(r"改成|改为|换成|换为|改一下|其实是|应该是|不是[^，,。]{0,12}[，,]?\s*(?:而)?是|算了|不说")
# Yes to a question pending: 「提交吧」「确认」「可以 提交」「同意了 提交吧」.
# A yes that names what it says yes to: 「降配确认」「确认退款」「同意补偿」「就按这个降吧」.
_CONFIRMED_THING = r"(?:降配|降级|补偿|赔偿|退款|退订|申请|申诉|撤回|撤销)"
CONFIRM = re.compile(r"(?<![不别没])(?:提交|人工复核|人工审核)(?!.{0,6}[吗么?？])|"
                     r"^\s*(?:确认|确定|好的?|行|可以|没问题|ok|嗯+|对|是的?|没错)\s*(?:$|[，,。!！\s])|"
                     # 「财务说可以 退吧」「领导同意了」: someone's yes passed on, or 「那就退吧」.
                     r"(?:说(?:可以|行|没问题|同意)|(?<![不没])同意了|批(?:准)?了|(?<![不别没])(?:退吧|办吧|申请吧))(?![^，,。]{0,6}[吗么?？])|"
                     rf"(?<![不别没])(?:确认|确定|同意){_CONFIRMED_THING}(?![^，,。]{{0,8}}[吗么呢?？])|"
                     rf"^\s*(?:就|那就)?(?:{_CONFIRMED_THING}){{1,2}}\s*(?:吧\s*)?(?:确认|确定)(?![^，,。]{{0,8}}[吗么呢?？])",
                     re.IGNORECASE)
# Asks for a bigger configuration (升配), which is no refund: 「想升到8核」「升级一下配置」「加配置」.
UPGRADE_WISH = re.compile(r"升(?:到|至|成|为|级|配|一档|一级)|"
                          r"(?:加|扩|提升|提高|调高|调大|拉高)(?:一下|下)?(?:配置|规格|cpu|内存)|扩容|"
                          r"往上(?:调|升|加)|换(?:个|成)?(?:更)?大(?:一?点|些)?的(?:配置|规格)", re.IGNORECASE)


# ---- Clues to an order, read from the words ------------------------------------------------
CORES = re.compile(rf"({NUMERAL})\s*(?:核|c(?![a-z])|vcpu|cpu)", re.IGNORECASE)
GIGS = re.compile(rf"({NUMERAL})\s*(?:gb?|吉|t(?:b)?(?![a-z]))(?![a-z])", re.IGNORECASE)
# A position in a list the customer was shown.
LAST = re.compile(r"最(?:下面|底下|下边|后面?|末)|倒数第一|末尾")
FIRST = re.compile(r"最(?:上面|上边|前面)")
# 「不是续费的」: a kind named only to rule it out.
NEGATED = re.compile(r"(?:不是|并非|非|不要|别选?)\s*(?:那个|这个|那张|那单)?\s*(续费|续订|新购|新买|活动|双十一|双11)")
# The order's state, in the customer's words.
STATE_WORDS: Tuple[Tuple[str, re.Pattern], ...] = (
    ("unstarted", re.compile(r"还没(?:开始|生效|用|启用)|未生效|没开始")),
    ("expired", re.compile(r"过期|到期了|已到期")),
)
# A price without 元: 「两千四那个」「99的那个」「那个2400的 退了」 (not a size, a count or a time).
BARE_PRICE = re.compile(rf"({NUMERAL}(?:\.\d+)?)\s*(?:块钱?|元|的那|那个|那单|那笔|的(?=[\s，,。!！]|$))"
                        r"(?!\s*(?:核|g|个月|天|年|小时))",
                        re.IGNORECASE)
RELATIVE = re.compile(rf"({NUMERAL}|半)\s*个?\s*(月|周|星期|礼拜|天)(?:以?前|之前)")
LAST_MONTH = re.compile(r"上个?月")
PART_OF_MONTH = re.compile(r"(?:份)?\s*(初|头|中|底|末|尾)")
# The date words are when a ticket was filed, not when the order was bought: 「上个月底提的那个退款单」.
FILED = re.compile(r"(?:提|申请|交|提交|办|发起|报)(?:了)?的|(?:提|申请|交)(?:了)?(?:那个|那张|那单)")
# A ticket's state or kind in the customer's words: 「在审核的那个」「被驳回的」「降配的那单」.
_S = TicketStatus
TICKET_STATES: Tuple[Tuple[FrozenSet[str], re.Pattern], ...] = (
    (frozenset({_S.SUBMITTED.value, _S.UNDER_REVIEW.value, _S.MANAGER_REVIEW.value, _S.APPEALED.value}),
     re.compile(r"在审|审核中|还在审|没审完|没审核|待审核|审核着")),
    (frozenset({_S.REJECTED.value, _S.FINAL_REJECTED.value}),
     re.compile(r"驳回的|被驳回|拒绝的|被拒|没通过的|不通过的|没批的")),
    (frozenset({_S.REFUNDED.value}), re.compile(r"已退款的|退款成功的|已经?到账的|退完的|退好的|退了的")),
    (frozenset({_S.WITHDRAWN.value}), re.compile(r"撤回的|撤销的|撤了的|撤掉的")),
    (frozenset({_S.NEEDS_INFO.value}), re.compile(r"补充材料的|补材料的|待补充|要补(?:充)?材料")),
)
TICKET_KINDS: Tuple[Tuple[str, re.Pattern], ...] = (
    (TicketKind.DOWNGRADE.value, re.compile(r"(?:降配|降级)(?:的|那)")),
    (TicketKind.SLA_CLAIM.value, re.compile(r"(?:补偿|赔偿|代金券)(?:的|那)(?:那个|单|张|笔|申请)")),
)
JUST_BOUGHT = re.compile(r"刚(?:买|开|下单|下的|购买|开通)|新开的")
# How the order is paid for: 「按量付费那台」「包年的那个」.
BILLING_WORDS: Tuple[Tuple[str, re.Pattern], ...] = (
    ("payg", re.compile(r"按量|按小时|按需|后付费|按流量")),
    ("prepaid", re.compile(r"包年|包月|预付费")),
)
# 「这台」「那台」: counted as a machine (an instance, not a package).
MACHINE = re.compile(r"[这那哪一两几每]台")
# 「这个」「那台」「那单」: one particular order or ticket.
DEMONSTRATIVE = re.compile(r"[这那](?:个|台|单|笔|张)")
# A question about refunds (rules), not a request: 「能退款吗」「可以退订么」「能不能退」「是否支持退款」.
ASKS = re.compile(r"[?？]|[吗么嘛]\s*(?:[?？!！。]\s*)?$|能不能|可不可以|能否|可否|是否|支不支持|退不退|给不给退"
                  r"|^\s*(?:how|can|could|is|are|do|does|what)\b", re.IGNORECASE)
# A refund word at all (the classifier's torn cases).
REFUND_WORD = re.compile(r"退款|退订|退钱|退费|退掉|退了|refund", re.IGNORECASE)
# Words that ask for money back (not 退货 or 退出).
REFUND_WORDS = re.compile(r"退款|退掉|退了|退订|退钱|退费|退一下|退吧|要求退|给我退|帮我退|申请退|refund", re.IGNORECASE)
# A refund demanded rather than asked about: in a long complaint (「…我要退款」), and outright.
DEMAND = re.compile(r"(我要|要|要求|申请|给我|赶紧|必须)(全额)?(退款|退钱|退费|退订)|"
                    r"把钱退|钱退给我|退款吧|给我退|帮我退|退掉吧|退了吧")
OUTRIGHT_DEMAND = re.compile(r"要退款|要求退款|申请退款|给我退|帮我退|退掉吧|退了吧")
# 「这个」「这单」「那台」 alone: the one in focus.
FOCUS = re.compile(r"^\s*(?:就|把|那)?\s*(?:这|那)(?:个|单|台|笔|张)")


@dataclass(frozen=True)
class WordClues:
    """Clues to an order that the words carry beyond the NLU's entities."""

    cores: Optional[int] = None
    gigs: Optional[int] = None
    ordinal: Optional[str] = None
    not_kinds: FrozenSet[str] = frozenset()
    states: FrozenSet[str] = frozenset()
    price: Optional[Any] = None
    bought_between: Optional[Tuple[date, date]] = None
    focus: bool = False
    billing: Optional[str] = None  # payg | prepaid
    machine: bool = False          # counted with 台
    filed_between: Optional[Tuple[date, date]] = None  # a ticket filed then (「上个月底提的」)
    ticket_states: FrozenSet[str] = frozenset()         # TicketStatus values the words allow
    ticket_kind: Optional[str] = None                   # TicketKind value


KIND_OF_WORD = {"续费": "renewal", "续订": "renewal", "新购": "new", "新买": "new", "活动": "promotion",
                "双十一": "promotion", "双11": "promotion"}


def _number(text: str) -> Optional[int]:
    value = parse_number(text)
    return int(value) if value is not None and value == int(value) and 0 < value < 100000 else None


def days_meant(text: str, today: date) -> Optional[Tuple[date, date]]:
    """The span of days a date phrase means (「两个月前」「上个月底」「刚买的」), or None."""
    if found := RELATIVE.search(text):
        count = 0.5 if found.group(1) == "半" else _number(found.group(1)) or 0
        days = {"月": 30, "周": 7, "星期": 7, "礼拜": 7, "天": 1}[found.group(2)] * count
        slack = max(2.0, days * 0.25)
        return today - timedelta(days=days + slack), today - timedelta(days=max(0.0, days - slack))
    if found := LAST_MONTH.search(text):
        first = today.replace(day=1)
        previous, last = (first - timedelta(days=1)).replace(day=1), first - timedelta(days=1)
        part = PART_OF_MONTH.match(text, found.end())
        if part is None:
            return previous, last
        if part.group(1) in ("初", "头"):
            return previous, previous + timedelta(days=10)
        if part.group(1) == "中":
            return previous + timedelta(days=8), previous + timedelta(days=21)
        return last - timedelta(days=10), last
    if JUST_BOUGHT.search(text):
        return today - timedelta(days=3), today
    return None


def read_order_words(text: str, now: datetime) -> WordClues:
    """The clues `text` gives to the order meant (normalised text; `now` for relative dates)."""
    text = normalize_text(text or "")[:500]
    cores = gigs = None
    if found := CORES.search(text):
        cores = _number(found.group(1))
    rest = CORES.sub(" ", text)
    if found := GIGS.search(rest):
        gigs = _number(found.group(1))
        if gigs is not None and found.group(0).lower().rstrip().endswith(("t", "tb")):
            gigs *= 1024
    ordinal = "last" if LAST.search(text) else "1" if FIRST.search(text) else None
    not_kinds = frozenset(KIND_OF_WORD.get(m.group(1), "") for m in NEGATED.finditer(text)) - {""}
    states = frozenset(name for name, pattern in STATE_WORDS if pattern.search(text))
    price = None
    for found in BARE_PRICE.finditer(text):
        value = parse_number(found.group(1))
        if value is not None and value >= 10:
            price = value
            break
    between = days_meant(text, now.astimezone(CUSTOMER_TZ).date())
    filed = bool(FILED.search(text))
    billing = [name for name, pattern in BILLING_WORDS if pattern.search(text)]
    return WordClues(cores=cores, gigs=gigs, ordinal=ordinal, not_kinds=not_kinds, states=states, price=price,
                     bought_between=None if filed else between, filed_between=between if filed else None,
                     ticket_states=frozenset(s for names, pattern in TICKET_STATES if pattern.search(text)
                                             for s in names),
                     ticket_kind=next((k for k, pattern in TICKET_KINDS if pattern.search(text)), None),
                     focus=bool(FOCUS.search(text)),
                     billing=billing[0] if len(billing) == 1 else None, machine=bool(MACHINE.search(text)))


# ---- Reasons -------------------------------------------------------------------------------
# Words that name a fault without describing it: 「故障」「服务有问题」 give the reason only.
GENERIC_FAULT = re.compile(r"服务(?:质量)?(?:有|出)?(?:问题|故障)|机器有故障|有故障|出故障|故障|质量问题|服务质量|sla|"
                           r"原因是|退款|退订|要求|申请|订单|[\d\s，,。.!！]", re.IGNORECASE)


def reason_of(text: str) -> Optional[str]:
    """The refund reason `text` names (RefundReason value), or None."""
    found = find_reason(normalize_text(text or ""))
    return found[0] if found else None


def describes_fault(text: str, date_spans: Sequence[Tuple[int, int]] = ()) -> bool:
    """The message says what went wrong (「老是断线 很不稳定」「网络不通，断了好几个小时」), not only
    that something did (「机器有故障」「服务有问题」): it can stand as the fault's description."""
    text = normalize_text(text or "")
    for start, end in sorted(date_spans, reverse=True):
        text = text[:start] + " " + text[end:]
    if reason_of(text) != RefundReason.SERVICE_ISSUE.value:
        return False
    rest = GENERIC_FAULT.sub("", text)
    rest = re.sub(r"\d{16}|ins-[a-z0-9]{8}|我|要|了|的|吧|给|帮|这台|那台|这单|那单|服务器|机器|主机|实例", "", rest)
    return len(rest) >= 3 and reason_of(rest) == RefundReason.SERVICE_ISSUE.value


# ---- The reading ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Reading:
    """What one message does in its context."""

    stops: bool = False          # stop what is going on
    pauses: bool = False         # not now (do not file), without stopping
    corrects: bool = False       # takes back an earlier answer
    changes_reason: bool = False
    confirms: bool = False
    declines: bool = False       # no to the question pending (「不撤了」「不申诉了」「不要了」)
    reason: Optional[str] = None
    fault_described: bool = False
    words: WordClues = field(default_factory=WordClues)


def read(text: str, intent: str, entities: Sequence[Mapping[str, Any]], pending: Optional[str],
         now: datetime) -> Reading:
    """Read `text` (with the classifier's `intent` and the NLU's `entities`) against the question
    `pending` (a slot name, or None when nothing is asked)."""
    plain = normalize_text(text or "")[:2000]
    taken_back = [(m.start(), m.end()) for m in CORRECTION.finditer(plain)]
    # 「啊点错了，是数据库那单」: words that take an answer back and say what is meant instead name
    # no reason themselves (「下单时点错了」 alone is how the purchase went wrong).
    not_reasons = taken_back if taken_back and INSTEAD.search(plain[taken_back[-1][1]:]) else []
    reason = next((str(e.get("value")) for e in entities if e.get("entity") == "refund_reason"
                   and RefundReason.parse(str(e.get("value")))
                   and not any(s <= int(e.get("start", -1)) < t for s, t in not_reasons)), None) \
        or reason_of(CORRECTION.sub(" ", plain) if not_reasons else plain)
    dates = [(int(e["start"]), int(e["end"])) for e in entities
             if e.get("entity") == "date" and "start" in e and "end" in e]
    words = read_order_words(plain, now)
    corrects = bool(taken_back)
    change = REASON_CHANGE.search(plain)
    if change is not None:  # 「不是重复扣款的话，原因就改成不需要了」: the reason named after it
        reason = reason_of(plain[change.end():]) or reason
    changes_reason = change is not None and reason is not None
    if pending == "refund_confirmed" and reason == RefundReason.SERVICE_ISSUE.value and not corrects \
            and describes_fault(plain, dates):
        # 「是你们服务器故障 三天前晚上 机器直接打不开了」 at the quote: a fault told now is the reason.
        changes_reason = True
    # 「算了 … 原因就写不需要了」 changes the reason; 「不要了」 answering "why" is the reason.
    stops = bool(STOP.search(plain)) and not changes_reason and not corrects
    if stops and pending == "refund_reason" and reason is not None and not re.search(r"算了|不弄了|不办了|不退了|太麻烦", plain):
        stops = False
    return Reading(stops=stops, pauses=bool(PAUSE.search(plain)), declines=bool(DECLINE.search(plain)),
                   corrects=corrects, changes_reason=changes_reason,
                   confirms=confirms(plain), reason=reason,
                   fault_described=describes_fault(plain, dates), words=words)


def reasons_in(text: str) -> List[str]:
    """Every reason value `text` names (for tests and the review inbox)."""
    value = reason_of(text)
    return [value] if value else []


# 「不是CDN」「不是这个续费的单子」: what a correction rules out, up to the next pause or 是.
RULED_OUT = re.compile(r"不是[^\s，,。；;、]*?(?=[\s，,。；;、]|是|$)")


def ruled_out_removed(text: str, entities: Sequence[Mapping[str, Any]]) -> Tuple[str, List[Mapping[str, Any]]]:
    """`text` with what it rules out blanked (same length), and the entities outside those parts."""
    spans = [(m.start(), m.end()) for m in RULED_OUT.finditer(text)]
    kept = list(text)
    for start, end in spans:
        kept[start:end] = " " * (end - start)
    inside = [e for e in entities if "start" in e and any(s <= int(e["start"]) < t for s, t in spans)]
    return "".join(kept), [e for e in entities if e not in inside]


def appeal_demanded(text: str) -> bool:
    plain = normalize_text(text or "")
    return bool(APPEAL_DEMAND.search(plain)) and not re.search(r"(?:能|可以|可不可以|能不能)申诉", plain)


def appeal_grounds(text: str) -> Optional[str]:
    """The grounds of an appeal said with the request for it, or None."""
    found = GROUNDS.search(normalize_text(text or ""))
    return text[found.start(1):].strip()[:2000] if found else None


def still_dissatisfied(text: str) -> bool:
    return bool(DISSATISFIED.search(normalize_text(text or "")))


# ---- Several requests in one message -------------------------------------------------------
# Clauses: split at sentence ends and at the words that add a request (另外, 顺便, 还有...).
CLAUSE_BREAK = re.compile(r"[？?。！!；;，,\n]+|另外|顺便|还有就是|还有|再问一?下|对了|以及")
# A side question about something not ours (bot/faq/other_topics.py), by the topic its words name;
# a clause that speaks of a refund (「开了发票还能退吗」) is a policy question instead.
OTHER_TOPICS: Tuple[Tuple[str, re.Pattern], ...] = (
    ("invoice", re.compile(r"发票|开票|[专普]票|抬头|红冲")),
    ("balance_withdrawal", re.compile(r"提现|余额.{0,4}(?:提出|取出|转出)")),
    ("topup", re.compile(r"充值|充了?钱|充进")),
    ("account", re.compile(r"密码|登录|登陆|实名|换绑|子账号")),
    ("marketing_sms", re.compile(r"短信")),
    ("review", re.compile(r"备案|证书")),
)
NAMES_REFUND = re.compile(r"退|工单|RF\d", re.IGNORECASE)
SIDE_KINDS: Tuple[Tuple[str, re.Pattern], ...] = (
    ("other", re.compile(r"^(?!.*退).*(?:" + "|".join(p.pattern for _, p in OTHER_TOPICS) + ")")),
    ("status", re.compile(r"到哪了|到哪一步|进度|怎么样了|到账了吗|到账没|处理了吗|审核了吗|有结果了吗|什么状态")),
    ("callback", re.compile(r"回(?:个)?电话|回电|打(?:个)?电话给我|给我打(?:个)?电话|电话联系我|call me", re.IGNORECASE)),
    ("human", re.compile(r"转人工|人工客服|找个人|真人|找人工")),
    ("chase", re.compile(r"催一?下|再催|催催|催办|加急|太慢了|"
                         r"拖了?(?:这么久|多久|好久|太久|半个月|一个?(?:月|礼拜|星期)|\S{0,3}[天周])|"
                         r"怎么还没(?:处理|审核|审|好|退|到账)|"
                         r"(?:快点|快一点|赶紧|尽快|抓紧|早点)(?:帮我)?(?:处理|审核|审|办|弄|退|批)")),
    ("question", re.compile(r"[?？]|[吗么呢]\s*$|怎么办|怎么算|怎么弄|多久|几天|多少钱|能不能|可不可以|是否|什么时候|要不要")),
)


@dataclass(frozen=True)
class SideRequest:
    """One of several requests in a message: its kind (status, callback, human, chase, question)
    and the clause that says it."""

    kind: str
    clause: str
    topic: Optional[str] = None  # for `other`: the topic of bot/faq/other_topics.py it is about

    @property
    def names_refund(self) -> bool:
        """「催下我的退款」 names a refund; 「怎么还没到账」 after a top-up does not."""
        return bool(NAMES_REFUND.search(self.clause))


def side_requests(text: str) -> List[SideRequest]:
    """The requests of a message that says more than one thing (「X到哪了？另外把Y也退了」
    「退款收手续费吗？多久能到账？」), one per clause that asks for something; none for one clause."""
    clauses = [c.strip(" ，,、") for c in CLAUSE_BREAK.split(normalize_text(text or "")[:1000])]
    clauses = [c for c in clauses if len(c) >= 2]
    if len(clauses) < 2:
        return []
    found = []
    for clause in clauses:
        kind = next((name for name, pattern in SIDE_KINDS if pattern.search(clause)), None)
        if kind == "other":
            found.append(SideRequest(kind, clause, next(t for t, pattern in OTHER_TOPICS if pattern.search(clause))))
        elif kind is not None:
            found.append(SideRequest(kind, clause))
    return found


def denies_complaint(text: str) -> bool:
    return bool(NOT_A_COMPLAINT.search(normalize_text(text or "")))


# ---- Evidence: 「传好了」「搞定 传完了」 (check the uploads), 「那就没有吧」 (none) --------------------
_FILLER = re.compile(r"[\s,，。.!！~～、]+|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
UPLOADED = re.compile(r"(?:我|已经?|都|也|嗯|截图|文件|日志|图片|材料|上传|传|弄|搞定|搞|整|好|完成?|了|的|啦|喽|咯|ok|done)+",
                      re.IGNORECASE)
UPLOADED_CORE = re.compile(r"好|完|搞定|ok|done|传了|已上?传", re.IGNORECASE)
NO_EVIDENCE_LEAD = re.compile(r"(?:截图|材料|证据|日志|监控|录屏)(?:都|也)?(?:没有|没留|没保存|没存|没截)|"
                              r"(?:没有|没留|没保存|没存|没截|拿不出)(?:任何)?(?:截图|材料|证据|日志|监控|录屏)")
NO_EVIDENCE = re.compile(r"(?:那就?|暂时|我|也|真的|确实|实在)*(?:没有|没|无|不用|拿不出|没留|没保存|没存)"
                         r"(?:截图|材料|证据|日志|了|吧|啊|呢|的)*|no|none|nope", re.IGNORECASE)


def says_uploaded(text: str) -> bool:
    """「传好了」「搞定 传完了」「ok👌」: the customer says the upload is done (the caller checks it is)."""
    plain = _FILLER.sub("", normalize_text(text or "").lower())
    return bool(plain) and len(plain) <= 12 and bool(UPLOADED.fullmatch(plain)) and bool(UPLOADED_CORE.search(plain))


def says_no_evidence(text: str) -> bool:
    """「没有」「那就没有吧」「没截图」, or 「截图没有 当时急着处理没截」 (nothing to show, then why):
    nothing to show. A link or a 「但是」 after it is something to show."""
    plain = _FILLER.sub("", normalize_text(text or "").lower())
    if bool(plain) and len(plain) <= 12 and bool(NO_EVIDENCE.fullmatch(plain)):
        return True
    return bool(NO_EVIDENCE_LEAD.match(plain)) and not re.search(r"https?://|但是|不过|可是|只有", plain)


# 「能退吗」「可以退不」「退得了吗」: asking whether money can come back is about a refund too.
CAN_REFUND = re.compile(r"(?:能|可以|可不可以|能不能|可)退(?!货|出|役|休|群)|退(?:不退|得了|的了)")
# A refund said in a homophone typo (推款, 退宽, 腿款): the toneless syllables of 退款/退钱/退费/退订.
REFUND_SOUNDS = re.compile(r"\btui (?:kuan|qian|fei|ding)\b")
# The reasons that, said about one of the customer's orders, ask for its money back (a fault said
# about a server is a compensation or a support question until a refund is named).
MONEY_BACK_REASONS = frozenset({RefundReason.DEMAND_CHANGE.value, RefundReason.WRONG_PURCHASE.value,
                                RefundReason.DUPLICATE_PAYMENT.value})


# 「2核4G那台和mysql数据库 都不要了」: references joined in one message.
JOINED = re.compile(r"和|跟|与|以及|还有|及|、|外加|加上")


def joined_parts(text: str) -> List[Tuple[int, int]]:
    """The spans of `text` between the words that join references (one span when nothing joins)."""
    cuts = [0] + [p for m in JOINED.finditer(text) for p in (m.start(), m.end())] + [len(text)]
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2) if text[cuts[i]:cuts[i + 1]].strip()]


def says_refund(text: str) -> bool:
    """The message names a refund (「退了吧」「能退吗」「推款」), in any of the ways customers write it."""
    plain = normalize_text(text or "")
    if REFUND_WORDS.search(plain) or CAN_REFUND.search(plain):
        return True
    return bool(REFUND_SOUNDS.search(plain.lower()) or REFUND_SOUNDS.search(_syllables(plain)))


def wants_money_back(text: str) -> bool:
    """Said about one of the customer's orders, the words ask for its money back: a refund named,
    or a reason that only a refund answers (「买错地域了」「扣了我两次钱」「不想用了」)."""
    return says_refund(text) or reason_of(text) in MONEY_BACK_REASONS


def _syllables(text: str) -> str:
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 (only messages without a refund word get here)

    return " ".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def confirms(text: str) -> bool:
    """A yes in words (「确认」「行 提交」「财务说可以 退吧」), not a pause."""
    plain = normalize_text(text or "")
    return bool(CONFIRM.search(plain)) and not PAUSE.search(plain)


def withdraw_asked(text: str) -> bool:
    return bool(WITHDRAW_WORDS.search(normalize_text(text or "")))


def asks_about_own_refund(text: str) -> bool:
    return bool(OWN_REFUND.search(normalize_text(text or "")))


def wants_upgrade(text: str) -> bool:
    """「2核的不够用 想升到4核」「能加配置吗」: a bigger configuration, not a downgrade or refund."""
    plain = normalize_text(text or "")
    return bool(UPGRADE_WISH.search(plain)) and not re.search(r"降(?:到|至|成|为|级|配|低)", plain) \
        and not DEMAND.search(plain)


# 「二是前天宕机的那台要补偿」: SLA compensation asked for (beside another request).
COMPENSATION_WISH = re.compile(r"(?<![不别没])(?<!不要)(?<!不想)(?<!不用)(?:补偿|赔偿|赔点|赔钱|代金券)"
                               r"(?![^，,。]{0,4}(?:不用|不要|算了|免了))")


def asks_compensation(text: str) -> bool:
    return bool(COMPENSATION_WISH.search(normalize_text(text or "")))


# 「降到2核4G」「换成4核8G的」: the size after these words is the new one, not the server's own.
TO_SIZE = re.compile(r"(?:降|换|改|调|变|缩|减|升)(?:到|成|为|至)\s*$|(?:降|换|改|调)\s*$")


def target_sizes(text: str, entities: Sequence[Mapping[str, Any]]) -> List[str]:
    """The `spec` entities that `text` says are the size to move to (「那就换成2核4G吧」)."""
    plain = normalize_text(text or "")
    return [str(e.get("value")) for e in entities if e.get("entity") == "spec" and "start" in e
            and TO_SIZE.search(plain[max(0, int(e["start"]) - 4):int(e["start"])])]


def wants_partial_keep(text: str) -> bool:
    """「配置选高了 想退一部分钱 机器还要继续用」: money back for a smaller size, the server kept."""
    plain = normalize_text(text or "")
    return bool(KEEPS_RESOURCE.search(plain)) and bool(PARTIAL_MONEY.search(plain))


# 「能不能打电话给我」: asking for the call, not saying what it is about.
CALL_ME = re.compile(r"^(?:能不能|可以|可不可以|请|麻烦)?(?:给我)?(?:打|回)(?:个)?电话(?:给我)?(?:吗|吧)?")


# How the number itself is introduced (「我号码是…」「手机：…」「打这个号」): no topic of the call.
NUMBER_INTRO = re.compile(r"^(?:我的?|这是|这个是|打这个|就打这个)?(?:手机号码?|手机|电话号码?|电话|号码|号|联系方式)"
                          r"(?:(?:是|为)\s*[:：]?|\s*[:：]|\s*$)\s*")


def call_about(text: str) -> str:
    """What a call-back request says it is about, once the number is taken out."""
    rest = CALL_ME.sub("", (text or "").strip()).strip(" ，,。.")
    return NUMBER_INTRO.sub("", rest).strip(" ，,。.")


def changed_reason(text: str, current: Optional[str]) -> Optional[str]:
    """The refund reason the customer switches to in normalised `text` (「原因改成不需要了」),
    or None: only a message that says it changes something and names a reason other than
    `current` (the last one it names) changes it; a description that mentions its own
    reason's words changes nothing."""
    if not CHANGED_ANSWER.search(text):
        return None
    named = [value for value, _, _ in find_reasons(text)]
    return named[-1] if named and named[-1] != current else None


# 「跳过」「不用了」「没有」: nothing to add (a survey comment, an optional field).
NOTHING_TO_ADD = re.compile(r"(?:跳过|略过|不用了?|没有了?|没了|无|算了|不写了|没啥(?:说的|要说的)?|不需要了?)"
                            r"(?:[，,\s]*(?:谢谢|谢了|多谢)(?:你|您)?)?[。.!！~\s]*", re.IGNORECASE)


def nothing_to_add(text: str) -> bool:
    return bool(NOTHING_TO_ADD.fullmatch(normalize_text(text or "").strip()))
