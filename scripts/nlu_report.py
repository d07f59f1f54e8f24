"""NLU report: 5-fold cross-validation on data/nlu, the real cloud-support messages
(../shared/eval/cloud_support_dev.tsv: in-scope accuracy and out-of-scope rejection apart) and the
other shared sets, each beside the committed figures of the model before issue 29
(bench/nlu_before.json); then where the misses go (counts only: the shared sentences are never
printed) and the held-out split's confusion matrix (results/nlu-confusion.png).

Usage: python scripts/nlu_report.py MODEL [--no-cv] [--write-before]   (or `make nlu-report`).
Prints figures and writes results/nlu-report.json; asserts nothing. --write-before stores this
run as the baseline (done once, on the model before issue 29).
"""
from __future__ import annotations

import argparse
import json
import logging

from bench import nlu_eval, report
from bench.run import RESULTS, quiet
from bot.settings import PROJECT_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (it trains five models)")
    parser.add_argument("--write-before", action="store_true", help="store this run as the baseline")
    args = parser.parse_args()
    quiet()
    from rasa.core.agent import Agent

    now = nlu_eval.evaluate_agent(Agent.load(args.model))
    if not args.no_cv:
        print("cross-validation: training five models ...", flush=True)
        now["cv"] = nlu_eval.cross_validation(PROJECT_ROOT / "config.yml")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nlu-report.json").write_text(json.dumps(now, ensure_ascii=False, indent=2, default=float),
                                             encoding="utf-8")
    if args.write_before:
        baseline = {k: now[k] for k in ("cv", "dev", "external") if k in now}
        baseline["heldout"] = {"intent_accuracy": now["heldout"]["intent_accuracy"]}
        nlu_eval.BEFORE_FILE.write_text(json.dumps(baseline, ensure_ascii=False, indent=2, default=float) + "\n",
                                        encoding="utf-8")
    print("\n".join(nlu_eval.headline_table(now)))
    _details(now)


def _details(m: dict) -> None:
    dev = m["dev"]
    print(f"\ncloud dev set: {dev['rows']} rows, {dev['clear_rows']} clear ({dev['in_scope_rows']} in scope, "
          f"{dev['oos_rows']} out of scope)")
    print("  clear rows right by category: " + ", ".join(f"{c} {r}/{n}" for c, (r, n) in dev["by_category"].items()))
    print("  misses (gold -> predicted): " + ", ".join(f"{k} {n}" for k, n in dev["miss_counts"].items()))
    for name, ext in m["external"].items():
        print(f"{name}: {ext['metric']} {ext['score']:.3f} on {ext['examples']}; misses: "
              + ", ".join(f"{k} {n}" for k, n in ext["miss_counts"].items()))
    if "cv" in m:
        cv = m["cv"]
        print(f"cross-validation: {cv['examples']} examples, {cv['folds']} folds, {cv['seconds']:.0f} s; misses: "
              + ", ".join(f"{k} {n}" for k, n in cv["miss_counts"].items()))
        print("  F1 per intent: " + ", ".join(f"{k} {v:.2f}" for k, v in cv["per_intent_f1"].items()))
    h = m["heldout"]
    print(f"\nheld-out split (tests/nlu, written in our templates): {h['examples']} rows, accuracy "
          f"{h['intent_accuracy']:.3f}, entities F1 {h['entity_f1']:.3f}")
    print("\n".join(report.confusion_table(h["confusion"])))
    picture = RESULTS / "nlu-confusion.png"
    report.confusion_picture(h["confusion"], picture, f"held-out intents (n={h['examples']})")
    print(f"confusion picture: {picture}")
    for miss in h["misses"]:
        print(f"  held-out miss: {miss['text']!r}: {miss['gold']} -> {miss['predicted']}")


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    main()
