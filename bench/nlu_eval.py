"""NLU quality: the held-out split (never trained on) and the external evaluation sets, read
at run time from ../shared/eval (never copied into the project)."""
from __future__ import annotations

import csv
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from sklearn.metrics import f1_score

from bot.settings import PROJECT_ROOT

EVAL_DIR = Path(os.environ.get("REFUND_EVAL_DIR", PROJECT_ROOT.parent / "shared" / "eval"))
# Never trained on: heldout.yml (our templates' kinds) and heldout_customers.yml (customers' words).
HELDOUT_FILES = sorted((PROJECT_ROOT / "tests" / "nlu").glob("heldout*.yml"))
REJECTED = {"out_of_scope", "nlu_fallback"}


def heldout_examples() -> List[Tuple[str, str, List[Dict[str, Any]]]]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in HELDOUT_FILES:
        data = load_data(str(path))
        examples += [(ex.get("text"), ex.get("intent"), ex.get("entities", [])) for ex in data.intent_examples]
    return examples


def read_tsv(name: str) -> List[Dict[str, str]]:
    with (EVAL_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


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


def external_sets() -> Dict[str, List[Tuple[str, str]]]:
    """(text, expected) for each external set; ATEC's ask_fee_mismatch is our ask_refund_amount."""
    smp = [(r["text"], "out_of_scope") for r in read_tsv("smp2017_oos_sample.tsv")]
    smalltalk = [(r["text"], r["mapped_intent"]) for r in read_tsv("dialogflow_smalltalk_zh_mapped.tsv")]
    atec = [(r["text"], "ask_refund_amount" if r["mapped_intent"] == "ask_fee_mismatch" else r["mapped_intent"])
            for r in read_tsv("atec_refund_sample120_labeled.tsv")
            if r["label_confidence"] == "clear" and r["mapped_intent"] != "other"]
    return {"smp2017_oos": smp, "smalltalk": smalltalk, "atec_clear": atec}


def external_metrics(name: str, rows: Sequence[Tuple[str, str]], parses: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    predicted = [p["intent"]["name"] for p in parses]

    def correct(expected: str, got: str) -> bool:
        return got in REJECTED if expected == "out_of_scope" else got == expected

    hits = [correct(e, g) for (_, e), g in zip(rows, predicted)]
    # Counts only: the external sentences stay in ../shared/eval, never in our files.
    misses = Counter(f"{e} -> {g}" for (_, e), g, ok in zip(rows, predicted, hits) if not ok)
    result = {"examples": len(rows), "score": sum(hits) / len(rows) if rows else 0.0,
              "predicted": dict(Counter(predicted)), "miss_counts": dict(misses.most_common(10))}
    result["metric"] = "out-of-scope rejection rate" if name == "smp2017_oos" else "accuracy"
    return result
