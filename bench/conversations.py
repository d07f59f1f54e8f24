"""The customer conversation set (tests/conversations/customers/) played through the real
servers: `make conversations` alone (JOURNEY=… to pick journeys), and part of `make bench`.

Prints, per journey and overall, the conversations that reached what the customer came for
without a wrong turn (passed / total and the share), the most common kinds of failure, and for
each failed conversation its first failing turn and why. Writes results/conversations.json."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from bot.settings import PROJECT_ROOT
from harness.conversation_set import JOURNEYS, SET_DIR, Conversation, ConversationFileError, load_set
from harness.customer_chat import STACK_OVERRIDES, Player, Result

RESULTS = PROJECT_ROOT / "results"


def run_set(stack: Any, conversations: Sequence[Conversation],
            progress: Optional[Callable[[str], None]] = None) -> List[Result]:
    """Play every conversation on the running stack (each on freshly seeded data)."""
    player = Player(stack)
    results = []
    for number, conversation in enumerate(conversations, start=1):
        result = player.play(conversation)
        results.append(result)
        if progress:
            mark = "ok  " if result.ok else "FAIL"
            progress(f"[{number:>3}/{len(conversations)}] {mark} {conversation.journey}/{conversation.id}")
    return results


def summarise(results: Sequence[Result]) -> Dict[str, Any]:
    """Figures per journey and overall, failure kinds, and each failure's first failing turn."""
    journeys: Dict[str, Dict[str, Any]] = {}
    for name in JOURNEYS:
        mine = [r for r in results if r.conversation.journey == name]
        if mine:
            passed = sum(r.ok for r in mine)
            journeys[name] = {"passed": passed, "total": len(mine), "share": passed / len(mine)}
    passed = sum(r.ok for r in results)
    kinds: Counter = Counter()
    first_kinds: Counter = Counter()
    for result in results:
        kinds.update({p.kind for p in result.problems})
        if result.first:
            first_kinds[result.first.kind] += 1
    failures = [_failure(r) for r in results if not r.ok]
    return {"passed": passed, "total": len(results), "share": passed / len(results) if results else 0.0,
            "journeys": journeys, "failure_kinds": kinds.most_common(10),
            "first_failure_kinds": first_kinds.most_common(10), "failures": failures}


def _failure(result: Result) -> Dict[str, Any]:
    conversation, first = result.conversation, result.first
    assert first is not None
    turns = len(conversation.turns)
    if first.turn == 0:
        where = "set-up"
    elif first.turn > turns:
        where = "outcome"
    else:
        said, answered = result.transcript[first.turn - 1] if first.turn <= len(result.transcript) else ("", "")
        where = f"turn {first.turn} 「{said}」 → 「{_short(answered)}」"
    return {"id": conversation.id, "journey": conversation.journey, "customer": conversation.customer,
            "goal": conversation.goal, "where": where, "kind": first.kind, "why": first.detail,
            "problems": [{"turn": p.turn, "kind": p.kind, "detail": p.detail} for p in result.problems],
            "transcript": result.transcript}


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def report_lines(summary: Dict[str, Any], failures: bool = True) -> List[str]:
    """The figures as text (what `make conversations` and `make bench` print)."""
    lines = ["Customer conversation set: conversations that reached the goal without a wrong turn", "",
             f"{'journey':<20} {'passed':>6} {'total':>5}  share"]
    for name, figures in summary["journeys"].items():
        lines.append(f"{name:<20} {figures['passed']:>6} {figures['total']:>5}  {figures['share']:.0%}")
    lines += [f"{'overall':<20} {summary['passed']:>6} {summary['total']:>5}  {summary['share']:.0%}", ""]
    if summary["first_failure_kinds"]:
        lines.append("Most common failure kinds (each failed conversation's first wrong turn):")
        lines += [f"  {count:>4}  {kind}" for kind, count in summary["first_failure_kinds"]]
        lines.append("")
    if failures and summary["failures"]:
        lines.append("Failed conversations (first failing turn and why):")
        for failure in summary["failures"]:
            lines.append(f"- {failure['journey']}/{failure['id']} ({failure['customer']}): {failure['where']}")
            lines.append(f"    {failure['kind']}: {failure['why']}")
    return lines


def markdown_lines(summary: Dict[str, Any]) -> List[str]:
    """The share per journey as a Markdown table (for results/bench.md)."""
    lines = ["| journey | passed | total | share |", "|---|---|---|---|"]
    lines += [f"| {name} | {f['passed']} | {f['total']} | {f['share']:.0%} |" for name, f in summary["journeys"].items()]
    lines.append(f"| **overall** | **{summary['passed']}** | **{summary['total']}** | **{summary['share']:.0%}** |")
    if summary["first_failure_kinds"]:
        lines += ["", "Most common failure kinds (each failed conversation's first wrong turn):", ""]
        lines += [f"- {count} × {kind}" for kind, count in summary["first_failure_kinds"]]
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Play the customer conversation set through the real servers.")
    parser.add_argument("--journey", action="append", default=[],
                        help=f"only these journeys (repeat or separate by commas): {', '.join(JOURNEYS)}")
    parser.add_argument("--id", action="append", default=[], help="only these conversations (by id)")
    parser.add_argument("--out", type=Path, default=RESULTS / "conversations.json", help="where to write the JSON")
    parser.add_argument("--dir", type=Path, default=SET_DIR,
                        help="the set's folder (a new batch is played from its own folder before it joins the set)")
    args = parser.parse_args(argv)
    journeys = [j.strip() for value in args.journey for j in value.split(",") if j.strip()]
    unknown = [j for j in journeys if j not in JOURNEYS]
    if unknown:
        print(f"error: unknown journey {', '.join(unknown)} (known: {', '.join(JOURNEYS)})", file=sys.stderr)
        return 2
    try:
        conversations = load_set(args.dir, journeys=journeys or None, complete=False)
    except ConversationFileError as exc:
        print(f"error: the conversation set is broken:\n{exc}", file=sys.stderr)
        return 2
    if args.id:
        conversations = [c for c in conversations if c.id in args.id]
    if not conversations:
        print("error: no conversation matches", file=sys.stderr)
        return 2
    from harness.servers import sqlite_stack

    print(f"starting the servers and playing {len(conversations)} conversations ...", flush=True)
    with sqlite_stack(Path(tempfile.mkdtemp(prefix="conversations-")), STACK_OVERRIDES) as stack:
        results = run_set(stack, conversations, progress=lambda line: print(line, flush=True))
    summary = summarise(results)
    print("\n" + "\n".join(report_lines(summary)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\ndetails (transcripts of the failures): {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
