"""NLU quality measured where it cannot flatter us: 5-fold cross-validation on `data/nlu`, real
cloud-support customers' messages (`cloud_support_dev.tsv`) and the other shared sets, all read at
run time from ../shared/eval (never copied, never trained on; only counts are written out).

The held-out split in tests/nlu is written in the same templates as the training data: it is kept
for entity figures and as a regression check, never as the headline."""
from __future__ import annotations

import asyncio
import csv
import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from sklearn.metrics import f1_score

from bot.settings import PROJECT_ROOT

EVAL_DIR = Path(os.environ.get("REFUND_EVAL_DIR", PROJECT_ROOT.parent / "shared" / "eval"))
NLU_DATA = PROJECT_ROOT / "data" / "nlu"
# Never trained on: heldout.yml (our templates' kinds) and heldout_customers.yml (customers' words).
HELDOUT_FILES = sorted((PROJECT_ROOT / "tests" / "nlu").glob("heldout*.yml"))
# The figures of the model before issue 29 (committed, so every report shows before and after).
BEFORE_FILE = PROJECT_ROOT / "bench" / "nlu_before.json"
OUT_OF_SCOPE = "out_of_scope"
REJECTED = {OUT_OF_SCOPE, "nlu_fallback"}
DEV_FILE = "cloud_support_dev.tsv"
CV_FOLDS = 5
CV_SEED = 0


def scored(intent: Optional[str]) -> str:
    """The intent as the evaluation counts it: the fallback rejects, like out_of_scope."""
    return OUT_OF_SCOPE if intent in REJECTED or not intent else intent


def read_tsv(name: str) -> List[Dict[str, str]]:
    with (EVAL_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@dataclass(frozen=True)
class DevRow:
    text: str
    gold: Tuple[str, ...]   # "a|b" rows: either reading is right
    clear: bool
    category: str


def dev_rows() -> List[DevRow]:
    return [DevRow(r["text"], tuple(r["intent"].split("|")), r["label_confidence"] == "clear",
                   r["category"].replace(" > ", "｜").split("｜")[0]) for r in read_tsv(DEV_FILE)]


def _share(hits: Sequence[bool]) -> Optional[float]:
    return sum(hits) / len(hits) if hits else None


def dev_metrics(rows: Sequence[DevRow], predicted: Sequence[str]) -> Dict[str, Any]:
    """Clear rows: accuracy, in-scope accuracy and out-of-scope rejection apart; ambiguous rows
    scored as either reading. Only counts and category names leave this function."""
    got = [scored(p) for p in predicted]
    hit = [g in row.gold for row, g in zip(rows, got)]
    clear = [(row, g, h) for row, g, h in zip(rows, got, hit) if row.clear]
    in_scope = [h for row, _, h in clear if row.gold != (OUT_OF_SCOPE,)]
    oos = [h for row, _, h in clear if row.gold == (OUT_OF_SCOPE,)]
    by_category: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for row, _, h in clear:
        by_category[row.category][0] += h
        by_category[row.category][1] += 1
    misses = Counter(f"{'|'.join(row.gold)} -> {g}" for row, g, h in clear if not h)
    return {"rows": len(rows), "clear_rows": len(clear), "clear_accuracy": _share([h for _, _, h in clear]),
            "in_scope_rows": len(in_scope), "in_scope_accuracy": _share(in_scope),
            "oos_rows": len(oos), "oos_rejection": _share(oos),
            "ambiguous_accuracy": _share([h for row, h in zip(rows, hit) if not row.clear]),
            "by_category": {k: v for k, v in sorted(by_category.items(), key=lambda kv: -kv[1][1])},
            "miss_counts": dict(misses.most_common(15))}


def external_sets() -> Dict[str, List[Tuple[str, str]]]:
    """(text, expected) for each other shared set; ATEC's ask_fee_mismatch is our ask_refund_amount."""
    smp = [(r["text"], OUT_OF_SCOPE) for r in read_tsv("smp2017_oos_sample.tsv")]
    smalltalk = [(r["text"], r["mapped_intent"]) for r in read_tsv("dialogflow_smalltalk_zh_mapped.tsv")]
    atec = [(r["text"], "ask_refund_amount" if r["mapped_intent"] == "ask_fee_mismatch" else r["mapped_intent"])
            for r in read_tsv("atec_refund_sample120_labeled.tsv")
            if r["label_confidence"] == "clear" and r["mapped_intent"] != "other"]
    return {"smp2017_oos": smp, "smalltalk": smalltalk, "atec_clear": atec}


def external_metrics(name: str, rows: Sequence[Tuple[str, str]], predicted: Sequence[str]) -> Dict[str, Any]:
    got = [scored(p) for p in predicted]
    hits = [g == e for (_, e), g in zip(rows, got)]
    misses = Counter(f"{e} -> {g}" for (_, e), g, ok in zip(rows, got, hits) if not ok)
    return {"examples": len(rows), "score": _share(hits) or 0.0, "predicted": dict(Counter(got)),
            "miss_counts": dict(misses.most_common(10)),
            "metric": "out-of-scope rejection rate" if name == "smp2017_oos" else "accuracy"}


def heldout_examples() -> List[Tuple[str, str, List[Dict[str, Any]]]]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in HELDOUT_FILES:
        data = load_data(str(path))
        examples += [(ex.get("text"), ex.get("intent"), ex.get("entities", [])) for ex in data.intent_examples]
    return examples


def heldout_metrics(examples: Sequence[Tuple[str, str, list]], parses: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    gold = [intent for _, intent, _ in examples]
    predicted = [p["intent"]["name"] for p in parses]
    labels = sorted(set(gold))
    confusion: Dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gold, predicted):
        confusion[g][p] += 1
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    tp = fp = fn = 0
    for (_, _, entities), parse in zip(examples, parses):
        want = {(e["entity"], "*" if e["entity"] == "date" else str(e["value"])) for e in entities}
        got = {(e["entity"], "*" if e["entity"] == "date" else str(e["value"])) for e in parse.get("entities", [])
               if e["entity"] in {w[0] for w in want} or e["entity"] in ("order_id", "ticket_id", "instance_id")}
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "examples": len(gold),
        "intent_accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold),
        "intent_macro_f1": float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        "per_intent_f1": {label: round(float(score), 3) for label, score in zip(labels, per_intent)},
        "confusion": {g: dict(c) for g, c in confusion.items()},
        "entity_precision": precision, "entity_recall": recall,
        "entity_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "misses": [{"text": t, "gold": g, "predicted": p} for (t, g, _), p in zip(examples, predicted) if g != p][:40],
    }


def evaluate_agent(agent: Any, timings: Optional[List[float]] = None) -> Dict[str, Any]:
    """Every set through one loaded model: the dev set, the other shared sets, the held-out split.
    Parse times (seconds) are appended to `timings` when given."""
    parse = _parser(agent, timings)
    rows = dev_rows()
    result: Dict[str, Any] = {"dev": dev_metrics(rows, [p["intent"]["name"] for p in parse([r.text for r in rows])])}
    result["external"] = {name: external_metrics(name, pairs, [p["intent"]["name"] for p in parse([t for t, _ in pairs])])
                          for name, pairs in external_sets().items()}
    examples = heldout_examples()
    result["heldout"] = heldout_metrics(examples, parse([t for t, _, _ in examples]))
    return result


def _parser(agent: Any, timings: Optional[List[float]]) -> Callable[[Sequence[str]], List[Dict[str, Any]]]:
    async def parse_all(texts: Sequence[str]) -> List[Dict[str, Any]]:
        out = []
        for text in texts:
            started = time.perf_counter()
            out.append(await agent.parse_message(text))
            if timings is not None:
                timings.append(time.perf_counter() - started)
        return out

    return lambda texts: asyncio.run(parse_all(texts))


def cross_validation(config: Path, folds: int = CV_FOLDS, seed: int = CV_SEED) -> Dict[str, Any]:
    """Stratified k-fold cross-validation of the whole NLU pipeline (rules and fallback included)
    on data/nlu: each fold's model is trained by Rasa on the other folds."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.model_selection import StratifiedKFold

    data = load_data(str(NLU_DATA))
    examples = data.intent_examples
    gold = [scored(e.get("intent")) for e in examples]
    predicted: List[str] = [""] * len(examples)
    started = time.perf_counter()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as tmp:
        for train_index, test_index in splitter.split(examples, gold):
            train_file = Path(tmp) / "train.yml"
            train_file.write_text(_nlu_yaml([examples[i] for i in train_index]), encoding="utf-8")
            model = train_nlu(str(config), str(train_file), tmp)
            if model is None:
                raise RuntimeError("cross-validation: Rasa trained no model")
            agent = Agent.load(model)
            for i, parse in zip(test_index, _parser(agent, None)([examples[i].get("text") for i in test_index])):
                predicted[i] = scored(parse["intent"]["name"])
            Path(model).unlink()
    labels = sorted(set(gold))
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    misses = Counter(f"{g} -> {p}" for g, p in zip(gold, predicted) if g != p)
    return {"folds": folds, "examples": len(gold), "seconds": round(time.perf_counter() - started, 1),
            "accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold),
            "macro_f1": float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
            "per_intent_f1": {label: round(float(s), 3) for label, s in zip(labels, per_intent)},
            "miss_counts": dict(misses.most_common(15))}


def _nlu_yaml(examples: Sequence[Any]) -> str:
    """A Rasa NLU file of `examples` with one block per intent and topic (Rasa's own writer keeps
    only the first block's metadata, which would merge the out-of-scope topics)."""
    import yaml

    blocks: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for example in examples:
        topic = ((example.get("metadata") or {}).get("intent") or {}).get("topic") or ""
        blocks[(example.get("intent"), topic)].append(example.get("text"))
    nlu = [{"intent": intent, **({"metadata": {"topic": topic}} if topic else {}),
            "examples": "".join(f"- {text}\n" for text in texts)} for (intent, topic), texts in blocks.items()]
    return yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False)


# (label, how to read it from a measurement, goal) — the headline figures, before and after.
HEADLINE: List[Tuple[str, Callable[[Dict[str, Any]], Optional[float]], str]] = [
    ("cross-validation accuracy (5-fold, data/nlu)", lambda m: m["cv"]["accuracy"], ">= 0.85"),
    ("cross-validation macro-F1", lambda m: m["cv"]["macro_f1"], ""),
    ("cloud dev: accuracy, clear rows", lambda m: m["dev"]["clear_accuracy"], ">= 0.90"),
    ("cloud dev: in-scope accuracy, clear rows", lambda m: m["dev"]["in_scope_accuracy"], ""),
    ("cloud dev: out-of-scope rejection, clear rows", lambda m: m["dev"]["oos_rejection"], ""),
    ("cloud dev: ambiguous rows (either reading)", lambda m: m["dev"]["ambiguous_accuracy"], ""),
    ("SMP2017 out-of-scope rejection", lambda m: m["external"]["smp2017_oos"]["score"], ">= 0.90"),
    ("Dialogflow small talk accuracy", lambda m: m["external"]["smalltalk"]["score"], ">= 0.85"),
    ("ATEC clear rows accuracy", lambda m: m["external"]["atec_clear"]["score"], ""),
    ("held-out split (our templates; regression only)", lambda m: m["heldout"]["intent_accuracy"], ""),
]


def before() -> Dict[str, Any]:
    return json.loads(BEFORE_FILE.read_text(encoding="utf-8"))


def headline_table(now: Dict[str, Any], then: Optional[Dict[str, Any]] = None) -> List[str]:
    """Markdown rows: each headline figure before (the committed baseline) and now."""
    then = before() if then is None else then
    lines = ["| figure | before | now | goal |", "|---|---|---|---|"]
    for label, get, goal in HEADLINE:
        lines.append(f"| {label} | {_figure(get, then)} | {_figure(get, now)} | {goal} |")
    return lines


def _figure(get: Callable[[Dict[str, Any]], Optional[float]], measurement: Dict[str, Any]) -> str:
    try:
        value = get(measurement)
    except KeyError:
        return "—"
    return "—" if value is None else f"{value:.3f}"
