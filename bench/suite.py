"""The benchmark set behind `make bench`: ours vs Go (MOLTNET_GO_BIN), then one summary table.

    .venv/bin/python bench/suite.py [--rounds 3] [--quick] [--only send-8 --only history ...]
    MOLTNET_GO_BIN=../shared/reference/moltnet-go make bench

Runs each benchmark script below as a child process (its own output streamed as it goes), with
MOLTNET_BENCH_SUMMARY pointing at a temp file where every script appends its figures; at the end
prints a Markdown table (figure | ours | Go | ours/Go) that can be pasted into the README. Sizes are
chosen to finish in about 25 minutes on a 2-core box with both servers; --quick shrinks them to a
smoke test (a few minutes). A failing script is reported and the rest still run (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import go_bin  # noqa: E402

BENCH = Path(__file__).resolve().parent

# Figures that swing most from round to round on a shared 2-core box (a sending rate bounded by a
# Python load generator) get at least this many rounds, so that their median settles.
MORE_ROUNDS = {"send-8": 5, "sse": 5}

# name, script, full-size arguments, --quick arguments
SUITE: list[tuple[str, str, list[str], list[str]]] = [
    # Long enough (~4 s a round) that a noisy second of this shared box moves a round less.
    ("send-8", "send.py", ["--clients", "8", "--messages", "6000"], ["--messages", "200"]),
    ("send-1", "send.py", ["--clients", "1", "--messages", "300"], ["--clients", "1", "--messages", "100"]),
    ("send-memory", "send.py", ["--clients", "8", "--messages", "2000", "--storage", "memory"],
     ["--messages", "200", "--storage", "memory"]),
    ("fanout", "attach_fanout.py", ["--agents", "100", "1000", "--messages", "20"],
     ["--agents", "100", "--messages", "8"]),
    ("sse", "sse_throughput.py", ["--live", "3000", "--backlog", "0"], ["--live", "200", "--backlog", "0"]),
    # 500 newest-page reads: over history.py's default 50, the p99 is the slowest read, which is
    # usually the first one after the restart (cold caches, either server).
    ("history", "history.py", ["--messages", "100000", "--limit", "100", "--newest", "500"],
     ["--messages", "10000", "--limit", "100", "--newest", "20"]),
    ("attach-idle", "attach_idle.py", ["--agents", "500", "--total", "1000", "--idle", "20"],
     ["--agents", "100", "--total", "200", "--idle", "5"]),
    ("scaleout", "scaleout.py", ["--clients", "8", "--messages", "2000"], ["--messages", "200"]),
]


def _cell(value: float | None) -> str:
    if value is None:
        return "—"
    if value == int(value) and abs(value) < 1000:
        return str(int(value))
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def table(rows: list[tuple[str, dict]]) -> str:
    """Markdown: figure | ours | Go | ours/Go (with which way is better)."""
    lines = ["| figure | ours | Go | ours/Go |", "|---|---:|---:|---|"]
    for name, row in rows:
        if row["ratio"] is not None:
            ratio = f"{row['ratio']:.2f} ({row['note']})"
        else:
            ratio = row["note"] if row["note"].startswith("must") else "—"
        lines.append(f"| {name}: {row['figure']} | {_cell(row['ours'])} | {_cell(row['go'])} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per implementation (alternating)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of every script")
    parser.add_argument("--only", action="append", help=f"run only these ({', '.join(s[0] for s in SUITE)})")
    args = parser.parse_args()
    has_go = go_bin() is not None
    if not has_go:
        print("NOTE: MOLTNET_GO_BIN is not set: Go will NOT be measured (ours only).", flush=True)
    summary = Path(tempfile.mkstemp(prefix="moltnet-bench-summary-", suffix=".jsonl")[1])
    env = {**os.environ, "MOLTNET_BENCH_SUMMARY": str(summary)}
    rows: list[tuple[str, dict]] = []
    failed: list[str] = []
    timings: list[str] = []
    started = time.perf_counter()
    for name, script, full, quick in SUITE:
        if args.only and name not in args.only:
            continue
        rounds = args.rounds if args.quick else max(args.rounds, MORE_ROUNDS.get(name, 0))
        command = [sys.executable, str(BENCH / script), *(quick if args.quick else full), "--rounds", str(rounds)]
        print(f"\n### {name}: {' '.join(Path(c).name if c.endswith('.py') else c for c in command[1:])}",
              flush=True)
        before = summary.read_text().count("\n")
        t0 = time.perf_counter()
        status = subprocess.run(command, env=env).returncode
        timings.append(f"{name} {time.perf_counter() - t0:.0f}s")
        if status != 0:
            failed.append(f"{name} (exit {status})")
        rows += [(name, json.loads(line)) for line in summary.read_text().splitlines()[before:]]
    summary.unlink()
    print(f"\n## Summary ({'ours vs Go' if has_go else 'ours only: Go NOT measured, MOLTNET_GO_BIN unset'}; "
          f"median of {args.rounds} rounds, {', '.join(f'{k} {max(v, args.rounds)}' for k, v in MORE_ROUNDS.items())}; "
          f"{time.perf_counter() - started:.0f}s: {', '.join(timings)})\n")
    print(table(rows))
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
