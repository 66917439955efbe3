"""Update-to-reply latency of the Telegram bot against the Bot API emulator.

Run from the repository root:  .venv/bin/python -m bench.bench_bot [--runs 5]

Latency is measured on the emulator's clock: from the moment an update is available to
getUpdates until the bot's sendMessage for it arrives. Targets: single asker p50 < 150 ms;
20 concurrent askers p95 < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Sequence

from bot.settings import AdapterSettings
from bot.telegram.app import build_application, setup_bot
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.settings import DEFAULT_MODEL, Settings
from retrieval.writer import index_folders
from tests.telegram_emulator import Chat, TelegramEmulator, User
from tests.test_bot_telegram import CONCURRENT_QUESTIONS

SINGLE_QUESTIONS = 20  # per run, asked one after another
SINGLE_PACE = 0.1  # seconds between them, to stay under the 30 messages/s flood limit
CONCURRENT_ASKERS = 20
REFILL = 1.5  # seconds between runs, so the flood limiter starts each run fresh


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def latency(emulator: TelegramEmulator, user: User, question: str) -> float:
    message = await emulator.send_message(user, Chat.private(user), question)
    reply = await emulator.reply_to(message, timeout=30)
    return reply.at - emulator.injected_at(message["_update_id"])


async def single_run(emulator: TelegramEmulator) -> list[float]:
    user = User(9000, "Solo", "nl")
    results = []
    for i in range(SINGLE_QUESTIONS):
        question = CONCURRENT_QUESTIONS[i % len(CONCURRENT_QUESTIONS)]
        results.append(await latency(emulator, user, question))
        await asyncio.sleep(SINGLE_PACE)
    return results


async def concurrent_run(emulator: TelegramEmulator, run: int) -> list[float]:
    users = [User(10_000 + 100 * run + i, f"U{i}", "nl") for i in range(CONCURRENT_ASKERS)]
    questions = [CONCURRENT_QUESTIONS[i % len(CONCURRENT_QUESTIONS)] for i in range(len(users))]
    return await asyncio.gather(*map(latency, [emulator] * len(users), users, questions))


async def bench(engine: Engine, runs: int) -> dict[str, list[tuple[float, float]]]:
    table: dict[str, list[tuple[float, float]]] = {"single asker": [], "20 concurrent": []}
    with TelegramEmulator() as emulator:
        settings = AdapterSettings(
            telegram_bot_token=emulator.token,
            telegram_api_base_url=emulator.base_url,
        )
        application = build_application(settings, engine)
        async with application:
            await setup_bot(application)
            await application.start()
            await application.updater.start_polling(poll_interval=0, timeout=10)
            await latency(emulator, User(8999, "Warm", "nl"), CONCURRENT_QUESTIONS[0])
            for run in range(runs):
                await asyncio.sleep(REFILL)
                values = await single_run(emulator)
                table["single asker"].append((percentile(values, 0.5), percentile(values, 0.95)))
                await asyncio.sleep(REFILL)
                values = await concurrent_run(emulator, run)
                table["20 concurrent"].append((percentile(values, 0.5), percentile(values, 0.95)))
            await application.updater.stop()
            await application.stop()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings, embedder = Settings(data_dir=data_dir), Embedder(DEFAULT_MODEL)
        index_folders(settings, embedder)
        engine = Engine(settings, embedder=embedder)
        table = asyncio.run(bench(engine, args.runs))
    print(f"\n{'scenario':<16}{'p50 (median)':>14}{'p95 (median)':>14}   runs: {args.runs}")
    for scenario, rows in table.items():
        p50 = statistics.median(r[0] for r in rows) * 1000
        p95 = statistics.median(r[1] for r in rows) * 1000
        print(f"{scenario:<16}{p50:>11.1f} ms{p95:>11.1f} ms")
    print("targets: single asker p50 < 150 ms; 20 concurrent p95 < 1000 ms")


if __name__ == "__main__":
    main()
