"""Held-out NLU report: intent accuracy, macro-F1, the confusion matrix (text and
results/nlu-confusion.png) and entity precision/recall/F1 of the trained model.

Usage: python scripts/nlu_report.py MODEL   (or `make nlu-report`). Prints figures; asserts nothing.
"""
from __future__ import annotations

import asyncio
import logging
import sys

from bench import nlu_eval, report
from bench.run import RESULTS, quiet


def main() -> None:
    quiet()
    from rasa.core.agent import Agent

    agent = Agent.load(sys.argv[1])
    examples = nlu_eval.heldout_examples()
    parses = asyncio.run(_parse(agent, [t for t, _, _ in examples]))
    m = nlu_eval.heldout_metrics(examples, parses)
    print(f"held-out examples: {m['examples']}")
    print(f"intent accuracy: {m['intent_accuracy']:.3f}   macro-F1: {m['intent_macro_f1']:.3f}")
    print(f"entities: precision {m['entity_precision']:.3f}, recall {m['entity_recall']:.3f}, F1 {m['entity_f1']:.3f}")
    print("confusion (true intent: right / all, then where the others went):")
    print("\n".join(report.confusion_table(m["confusion"])))
    picture = RESULTS / "nlu-confusion.png"
    report.confusion_picture(m["confusion"], picture, f"held-out intents (n={m['examples']}, "
                                                      f"accuracy {m['intent_accuracy']:.3f})")
    print(f"confusion picture: {picture}")
    for miss in m["misses"]:
        print(f"  miss: {miss['text']!r}: {miss['gold']} -> {miss['predicted']}")


async def _parse(agent, texts):
    return [await agent.parse_message(t) for t in texts]


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    main()
