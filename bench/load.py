"""Simulated customers through the real socket.io channel, with actions and the database in
the loop: latency percentiles and throughput at several concurrency levels."""
from __future__ import annotations

import asyncio
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, Sequence

import socketio

# A customer's visit: greeting, a policy question, a quote (not submitted) and a status query.
SCRIPT = ["你好", "你们的退款政策是什么", "我要退款", '/inform{"order_id": "2026112400010001"}',
          "需求变化", "暂不提交", "我的退款进度"]
CUSTOMERS = ["c1001", "c1002", "c1003"]


class SimulatedCustomer:
    def __init__(self, rasa_url: str, token: str) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.url = f"{rasa_url}/?token={token}"
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirmed = asyncio.Event()
        self.sio.on("bot_uttered", self._on_bot)
        self.sio.on("session_confirm", self._on_confirm)

    async def _on_bot(self, data) -> None:
        await self.replies.put(time.perf_counter())

    async def _on_confirm(self, _session_id) -> None:
        self.confirmed.set()

    async def visit(self, latencies: List[float], errors: List[str], script: Sequence[str]) -> None:
        try:
            await self.sio.connect(self.url, socketio_path="/socket.io", transports=["polling"])
            await self.sio.emit("session_request", {"session_id": None})
            await asyncio.wait_for(self.confirmed.wait(), 20)
            for text in script:
                while not self.replies.empty():
                    self.replies.get_nowait()
                sent = time.perf_counter()
                await self.sio.emit("user_uttered", {"message": text})
                first = await asyncio.wait_for(self.replies.get(), 30)
                latencies.append(first - sent)
                await asyncio.sleep(0.2)  # let the rest of a multi-part answer arrive
        except Exception as exc:  # counted, reported
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            if self.sio.connected:
                await self.sio.disconnect()


async def _level(rasa_url: str, token_for: Callable[[str], str], concurrency: int, rounds: int) -> Dict[str, float]:
    latencies: List[float] = []
    errors: List[str] = []
    started = time.perf_counter()
    for _ in range(rounds):
        visitors = [SimulatedCustomer(rasa_url, token_for(CUSTOMERS[i % len(CUSTOMERS)]))
                    for i in range(concurrency)]
        await asyncio.gather(*(v.visit(latencies, errors, SCRIPT) for v in visitors))
    wall = time.perf_counter() - started
    ordered = sorted(latencies) or [float("nan")]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"concurrency": concurrency, "messages": len(latencies), "errors": len(errors),
            "error_examples": errors[:3], "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": statistics.fmean(ordered) * 1000 if latencies else float("nan"),
            "throughput_msg_s": len(latencies) / wall if wall else 0.0, "wall_s": wall}


def run_levels(rasa_url: str, token_for: Callable[[str], str], levels: Sequence[int] = (1, 10, 50),
               rounds: int = 1) -> List[Dict]:
    """Each level in its own event loop (and thread), so callers may have a loop of their own."""
    results = []
    for level in levels:
        with ThreadPoolExecutor(max_workers=1) as pool:
            results.append(pool.submit(asyncio.run, _level(rasa_url, token_for, level, rounds)).result())
    return results
