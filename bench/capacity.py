"""What one message costs, and how many the services can take: CPU milliseconds per message of
each service (from /proc, a ratio that holds on a noisy machine), latency at 1, 10 and 50
customers, capacity under an open-loop arrival rate, and how the cost grows with the length of
a conversation. Customers talk over raw websockets (harness/raw_socket.py), so the load
generator stays cheap; its own CPU is reported too.

    python -m bench.capacity [--quick]      (also part of `make bench`)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from bot.settings import PROJECT_ROOT
from harness.raw_socket import RawSocket

RESULTS = PROJECT_ROOT / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ORDER = "2026092700010002"  # the demo customer's voucher order: quoted, never filed here
# The standard visit: (what the customer says, a fragment of the answer to wait for).
VISIT: Tuple[Tuple[str, Optional[str]], ...] = (
    ("你好", None), ("退款政策是什么", None), ("我要退款", "请选择要退款的订单"),
    (f'/inform{{"order_id": "{ORDER}"}}', "退款的原因"), ("需求变化", "确认提交退款申请吗"),
    ("暂不提交", None), ("查询退款进度", None))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Run:
    """Messages answered, their latencies, and errors, over one measured period."""

    messages: int = 0
    errors: List[str] = field(default_factory=list)
    latencies: List[float] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1) if ordered else float("nan")


async def turns(client: RawSocket, script: Sequence[Tuple[str, Optional[str]]], run: Run) -> bool:
    """Say each line and wait for its answer, counting messages, latencies and errors; False
    (and the rest skipped) at the first error."""
    for text, expect in script:
        started = time.perf_counter()
        try:
            await client.say(text, timeout=60, until=expect)
        except Exception as exc:  # counted: every run must have none
            run.errors.append(f"{text}: {type(exc).__name__}")
            return False
        run.messages += 1
        run.latencies.append(client.first_arrival - started)
    return True


async def visit(url: str, token: str, run: Run, times: int = 1) -> None:
    """One customer: connect, then the standard visit `times` times in one conversation."""
    client = RawSocket(url, token)
    try:
        await client.connect()
        for _ in range(times):
            if not await turns(client, VISIT, run):
                return
    finally:
        await client.close()


class Meter:
    """CPU used by each service (and this load generator) between start() and stop()."""

    def __init__(self, pids: Dict[str, int]) -> None:
        self.pids = pids

    def start(self) -> None:
        self.started = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.own, self.wall = time.process_time(), time.perf_counter()

    def stop(self, messages: int) -> Dict[str, float]:
        per = {f"{name}_cpu_ms_per_msg": round(1000 * (cpu_seconds(pid) - self.started[name]) / max(messages, 1), 2)
               for name, pid in self.pids.items()}
        per["services_cpu_ms_per_msg"] = round(sum(per.values()), 2)
        per["load_generator_cpu_ms_per_msg"] = round(1000 * (time.process_time() - self.own) / max(messages, 1), 2)
        per["wall_s"] = round(time.perf_counter() - self.wall, 1)
        return per


def closed_loop(url: str, tokens: Callable[[], str], meter: Meter, customers: int, rounds: int) -> Dict[str, float]:
    """`customers` at once, each making the visit `rounds` times, each time in a new conversation."""
    run = Run()

    async def customer() -> None:
        for _ in range(rounds):
            await visit(url, tokens(), run)

    async def everyone() -> None:
        await asyncio.gather(*(customer() for _ in range(customers)))

    meter.start()
    asyncio.run(everyone())
    figures = meter.stop(run.messages)
    return {"customers": customers, "messages": run.messages, "errors": len(run.errors),
            "p50_ms": run.percentile_ms(0.5), "p95_ms": run.percentile_ms(0.95), "p99_ms": run.percentile_ms(0.99),
            "throughput_msg_s": round(run.messages / figures["wall_s"], 1), **figures}


def open_loop(url: str, tokens: Callable[[], str], meter: Meter, rate: float, seconds: float) -> Dict[str, float]:
    """New visits arrive at `rate` messages per second whatever the answers take (open loop)."""
    run = Run()

    async def arrivals() -> None:
        tasks, interval = [], len(VISIT) / rate  # one visit brings len(VISIT) messages
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            tasks.append(asyncio.create_task(visit(url, tokens(), run)))
            await asyncio.sleep(interval)
        await asyncio.gather(*tasks)

    meter.start()
    asyncio.run(arrivals())
    figures = meter.stop(run.messages)
    return {"offered_msg_s": rate, "messages": run.messages, "errors": len(run.errors),
            "p50_ms": run.percentile_ms(0.5), "p95_ms": run.percentile_ms(0.95), **figures}


def capacity(url: str, tokens: Callable[[], str], meter: Meter, rates: Sequence[float],
             seconds: float) -> Dict[str, object]:
    """The highest offered rate whose p95 stays under a second, raising the rate step by step."""
    steps, best = [], 0.0
    for rate in rates:
        step = open_loop(url, tokens, meter, rate, seconds)
        steps.append(step)
        if step["errors"] or step["p95_ms"] >= 1000:
            break
        best = rate
    return {"capacity_msg_s": best, "steps": steps}


def applications(url: str, sessions, meter: Meter, customers: int) -> Dict[str, float]:
    """A full application each (filing included), all at once: CPU per message of filing."""
    from bench.customers import seed_load_customers
    from harness.servers import chat_token

    people = seed_load_customers(sessions, customers, orders_each=1)
    run = Run()

    async def apply(customer) -> None:
        client = RawSocket(url, chat_token(sessions, customer.customer_id))
        await client.connect()
        try:
            await turns(client, ((f"我要退款，订单{customer.orders[0]}", "退款的原因"), ("需求变化", "确认提交退款申请吗"),
                                 ("确认", "工单号"), ("查询退款进度", "工单")), run)
        finally:
            await client.close()

    async def everyone() -> None:
        await asyncio.gather(*(apply(c) for c in people))

    meter.start()
    asyncio.run(everyone())
    return {"customers": customers, "messages": run.messages, "errors": len(run.errors),
            "p50_ms": run.percentile_ms(0.5), "p95_ms": run.percentile_ms(0.95), **meter.stop(run.messages)}


def growth(url: str, tokens: Callable[[], str], meter: Meter, repeats: int, conversations: int = 4) -> Dict[str, float]:
    """CPU per message over turns 1-7 and over the last 7 turns of long conversations, averaged
    over several conversations: /proc counts CPU in 10 ms ticks, too coarse for 7 messages."""
    async def long_conversation() -> List[Dict[str, float]]:
        client = RawSocket(url, tokens())
        await client.connect()
        spent: List[Dict[str, float]] = []
        try:
            for _ in range(repeats):
                meter.start()
                for text, expect in VISIT:
                    await client.say(text, timeout=60, until=expect)
                spent.append(meter.stop(len(VISIT)))
        finally:
            await client.close()
        return spent

    runs = [asyncio.run(long_conversation()) for _ in range(conversations)]
    services = [key for key in runs[0][0] if key.endswith("_cpu_ms_per_msg") and not key.startswith("load_")]
    mean = lambda turn, key: round(sum(run[turn][key] for run in runs) / conversations, 2)  # noqa: E731
    first, last = mean(0, "services_cpu_ms_per_msg"), mean(-1, "services_cpu_ms_per_msg")
    return {"turns": repeats * len(VISIT), "conversations": conversations,
            "first_7": {key: mean(0, key) for key in services}, "last_7": {key: mean(-1, key) for key in services},
            "first_7_services_cpu_ms": first, "last_7_services_cpu_ms": last,
            "ratio_last_to_first": round(last / max(first, 0.01), 2)}


def measure(quick: bool = False) -> Dict[str, object]:
    """Start the stack (one of each service, SQLite, as `make run`) and take every figure."""
    from harness.servers import chat_token, sqlite_stack

    launched = time.perf_counter()
    with sqlite_stack(Path(tempfile.mkdtemp(prefix="bench-capacity-")), {"REFUND_HANDOFF_SWEEP_SECONDS": "60"}) as stack:
        meter = Meter({name: p.pid for name, p in stack.processes.by_name.items()})
        tokens = lambda: chat_token(stack.sessions, "c1001")  # noqa: E731 (a fresh login per customer)
        startup = first_answer(stack.rasa_url, tokens(), launched)
        closed_loop(stack.rasa_url, tokens, meter, 2, 1)  # warm up
        levels = [closed_loop(stack.rasa_url, tokens, meter, n, 1 if n > 1 else 5) for n in (1, 10, 50)[:2 if quick else 3]]
        rates = (5, 10, 20) if quick else (5, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150)
        result = {"standard_visit": levels,
                  "full_application": applications(stack.rasa_url, stack.sessions, meter, 10),
                  "capacity": capacity(stack.rasa_url, tokens, meter, rates, 10 if quick else 20),
                  "growth": growth(stack.rasa_url, tokens, meter, 3 if quick else 10, 2 if quick else 4),
                  "startup": {**startup, "peak_rss_mb": {name: peak_rss_mb(p.pid)
                                                         for name, p in stack.processes.by_name.items()}}}
    return result


def first_answer(url: str, token: str, launched: float) -> Dict[str, float]:
    """Seconds from launching the services (database set-up included) to the first answer."""
    async def greet() -> None:
        client = RawSocket(url, token)
        await client.connect()
        try:
            await client.say("你好", timeout=120)
        finally:
            await client.close()

    ready = time.perf_counter()
    asyncio.run(greet())
    return {"services_ready_s": round(ready - launched, 1), "first_answer_s": round(time.perf_counter() - launched, 1)}


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU per message, latency and capacity of the running services.")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = measure(args.quick)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "capacity.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
