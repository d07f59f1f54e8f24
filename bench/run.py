"""Run the benchmark: python -m bench.run [--quick]. Figures are reported, not asserted."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

from bench import fuzz, nlu_eval
from bench.capacity import measure as measure_capacity
from bench.capacity import peak_rss_mb
from bench.load import run_levels
from bench.report import write_report
from bot.settings import PROJECT_ROOT
from harness.servers import current_model

RESULTS = PROJECT_ROOT / "results"
PIPELINES = {"tfidf-lr-word+char (chosen)": PROJECT_ROOT / "config.yml",
             "rasa-lr-counts": PROJECT_ROOT / "bench" / "pipelines" / "rasa_lr_counts.yml",
             "lr-word-only": PROJECT_ROOT / "bench" / "pipelines" / "words_only.yml",
             "diet": PROJECT_ROOT / "bench" / "pipelines" / "diet.yml"}
RASA = str(Path(sys.executable).parent / "rasa")


def quiet() -> None:
    logging.disable(logging.WARNING)
    try:
        from rasa.utils.log_utils import configure_structlog
        configure_structlog(logging.WARNING)
    except ImportError:
        pass


def train_nlu(name: str, config: Path, out: Path) -> Dict[str, Any]:
    started = time.perf_counter()
    subprocess.run([RASA, "train", "nlu", "--config", str(config), "--out", str(out), "--fixed-model-name",
                    name.split()[0], "--nlu", "data/nlu"], cwd=PROJECT_ROOT, check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    return {"train_s": time.perf_counter() - started, "model": str(out / f"{name.split()[0]}.tar.gz")}


def evaluate_model(model: str) -> Dict[str, Any]:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(model)
    load_s = time.perf_counter() - started
    timings: List[float] = []
    measured = nlu_eval.evaluate_agent(agent, timings)
    timings.sort()
    return {"load_s": load_s, "parse_p50_ms": timings[len(timings) // 2] * 1000,
            "parse_p95_ms": timings[int(len(timings) * 0.95)] * 1000, **measured,
            "size_mb": Path(model).stat().st_size / 1e6}


def dialogue_and_load(levels: List[int]) -> Dict[str, Any]:
    from bench.conversations import report_lines, run_set, summarise
    from bot.storage.database import make_engine, session_factory
    from bot.storage.migrations import migrate
    from bot.storage.seed import seed_demo
    from harness.conversation_set import load_set
    from harness.customer_chat import STACK_OVERRIDES
    from harness.scenarios import play_all
    from harness.servers import chat_token, start_stack

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    db_url = f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(db_url)
    migrate(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    stack = start_stack(workdir, sessions, db_url, STACK_OVERRIDES)
    try:
        out = workdir / "rasa-test"
        subprocess.run([RASA, "test", "core", "--model", stack.model, "--stories", "tests/conversations",
                        "--endpoints", str(stack.endpoints), "--out", str(out)], cwd=PROJECT_ROOT, env=stack.env,
                       capture_output=True, timeout=900)
        report = json.loads((out / "story_report.json").read_text(encoding="utf-8"))
        outcomes = play_all(stack)
        scenarios = {"total": len(outcomes), "succeeded": sum(o.ok for o in outcomes),
                     "failed": [{"name": o.name, "problems": o.problems} for o in outcomes if not o.ok]}
        conversations = summarise(run_set(stack, load_set(complete=False)))
        print("\n".join(report_lines(conversations, failures=False)), flush=True)
        load = run_levels(stack.rasa_url, lambda customer: chat_token(stack.sessions, customer), levels)
        memory = {name: peak_rss_mb(p.pid) for name, p in stack.processes.by_name.items()}
    finally:
        stack.stop()
    return {"stories": report.get("conversation_accuracy", {}), "scenarios": scenarios,
            "conversations": conversations, "load": load, "peak_memory_mb": memory}


def refund_load(instances: int, customers: int, seconds: float) -> Dict[str, Any]:
    """`customers` simulated customers applying for refunds and checking the status for
    `seconds`, through nginx, with `instances` of each service on PostgreSQL and Redis."""
    from sqlalchemy import select

    from bench.customers import run_load, seed_load_customers
    from bot.storage.schema import TicketRow
    from harness.cluster import create_database, drop_database, start_cluster
    from harness.servers import chat_token

    db_url = create_database()
    try:
        cluster = start_cluster(Path(tempfile.mkdtemp(prefix=f"bench-x{instances}-")), db_url, instances)
        try:
            people = seed_load_customers(cluster.sessions, customers, orders_each=int(seconds))
            result = asyncio.run(run_load(cluster.public_url, lambda customer: chat_token(cluster.sessions, customer), people,
                                             seconds))
            with cluster.sessions() as db:
                filed = set(db.scalars(select(TicketRow.ticket_id).where(TicketRow.customer_id.like("L%"))))
            memory = {name: peak_rss_mb(p.pid) for name, p in cluster.processes.by_name.items()}
        finally:
            cluster.stop()
            cluster.sessions.kw["bind"].dispose()
    finally:
        drop_database(db_url)
    return {"instances": instances, **result.summary(), "tickets_in_database": len(filed),
            "tickets_match_confirmations": filed == set(result.confirmed), "error_examples": result.errors[:3],
            "peak_memory_mb": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the refund assistant.")
    parser.add_argument("--quick", action="store_true",
                        help="chosen pipeline only, load levels 1 and 10, a 20-second refund load")
    parser.add_argument("--fuzz-seed", type=int, default=None,
                        help="seed of the search for slow messages (default: a new one each run)")
    args = parser.parse_args()
    quiet()
    RESULTS.mkdir(exist_ok=True)
    results: Dict[str, Any] = {"pipelines": {}, "generated_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    models = Path(tempfile.mkdtemp(prefix="bench-models-"))
    for name, config in PIPELINES.items():
        if args.quick and "chosen" not in name:
            continue
        print(f"training and evaluating {name} ...", flush=True)
        trained = train_nlu(name, config, models)
        results["pipelines"][name] = {**trained, **evaluate_model(trained["model"])}
        if "chosen" in name:
            print("cross-validation of the chosen pipeline (five more models) ...", flush=True)
            results["pipelines"][name]["cv"] = nlu_eval.cross_validation(config)
    seed = args.fuzz_seed if args.fuzz_seed is not None else int(time.time())
    print(f"searching for slow messages (seed {seed}) ...", flush=True)
    results["fuzz"] = fuzz.search(current_model(), seed, 60 if args.quick else 240)
    print("dialogue tests and load through the socket channel ...", flush=True)
    results["system"] = dialogue_and_load([1, 10] if args.quick else [1, 10, 50])
    print("CPU per message, capacity and growth with the conversation (one of each service) ...", flush=True)
    results["capacity"] = measure_capacity(args.quick)
    (RESULTS / "capacity.json").write_text(json.dumps(results["capacity"], ensure_ascii=False, indent=2),
                                           encoding="utf-8")
    customers, seconds = (10, 20) if args.quick else (50, 120)
    results["refund_load"] = []
    for instances in (1, 2):
        print(f"refund applications: {customers} customers for {seconds} s, {instances} of each service ...",
              flush=True)
        results["refund_load"].append(refund_load(instances, customers, seconds))
    write_report(results, RESULTS)
    print(f"report: {RESULTS / 'bench.md'}")


if __name__ == "__main__":
    main()
