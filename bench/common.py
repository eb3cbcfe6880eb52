"""Shared bench helpers: ONE launcher for any `moltnet start`-compatible server, rounds, percentiles.

`Server(impl, config)` starts ours (`python -m moltnet.cli start`) or the Go binary named by
MOLTNET_GO_BIN (`moltnet-go start`) in a fresh temporary directory holding the `Moltnet` config, on a
free loopback port (MOLTNET_LISTEN_ADDR), waits for GET /healthz == 200 and stops it with SIGTERM.
Server output (Go logs to stderr) goes to <dir>/server.log; its tail is shown when the server dies.

Config lines ending in `# ours-only` are our extensions (the Go server decodes strictly and would
refuse them); they are dropped from the file written for Go.

`compare(title, figures, measure, rounds)` alternates the implementations round by round (ours, go,
ours, go, ...) and prints per figure the median of each and ours ÷ Go. Without MOLTNET_GO_BIN it
runs ours only and says so. With MOLTNET_BENCH_SUMMARY=<file> each figure is also appended to that
file as one JSON line (bench/suite.py turns them into the summary table).

MOLTNET_OURS_REPO=<dir> runs our server from another checkout (its PYTHONPATH wins over the
editable install), e.g. after `git archive HEAD | tar -x -C /tmp/head`; MOLTNET_BENCH_ONLY=ours|go
runs one implementation only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parent.parent
# Our server's code: this checkout, or another one (e.g. an export of a commit to compare against).
OURS_REPO = Path(os.environ.get("MOLTNET_OURS_REPO") or REPO).resolve()
OURS_ONLY = "# ours-only"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def go_bin() -> str | None:
    """The Go binary from MOLTNET_GO_BIN (made absolute), or None when it is unset/empty."""
    value = os.environ.get("MOLTNET_GO_BIN", "").strip()
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not os.access(path, os.X_OK):
        raise SystemExit(f"MOLTNET_GO_BIN={value!r} is not an executable file")
    return str(path)


def implementations() -> list[str]:
    """["ours", "go"] when MOLTNET_GO_BIN is set, else ["ours"] (with a notice on stdout).

    MOLTNET_BENCH_ONLY=ours|go restricts the run to one of them (for debugging a script).
    """
    only = os.environ.get("MOLTNET_BENCH_ONLY", "").strip()
    if only in ("ours", "go"):
        if only == "go" and not go_bin():
            raise SystemExit("MOLTNET_BENCH_ONLY=go needs MOLTNET_GO_BIN")
        print(f"NOTE: MOLTNET_BENCH_ONLY={only}: the other implementation was NOT measured.", flush=True)
        return [only]
    if go_bin():
        return ["ours", "go"]
    print("NOTE: MOLTNET_GO_BIN is not set: Go was NOT measured (ours only).", flush=True)
    return ["ours"]


def config_for(impl: str, text: str) -> str:
    """The config text as written for `impl`: Go gets it without the `# ours-only` lines."""
    if impl == "ours":
        return text
    return "".join(line for line in text.splitlines(keepends=True) if not line.rstrip().endswith(OURS_ONLY))


def _proc_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (via /proc/<pid>/task/*/children)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and its live descendants, in seconds."""
    total = 0
    for p in _proc_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return total / _CLK_TCK


def rss_kib(pid: int) -> int:
    """VmRSS of `pid` and its live descendants, in KiB."""
    total = 0
    for p in _proc_tree(pid):
        try:
            lines = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in lines if line.startswith("VmRSS:"))
    return total


class ServerGoneError(RuntimeError):
    """The server process exited while a measurement still needed it."""


class Server:
    """One `moltnet start` (impl "ours" or "go") in its own temp dir, on a free port.

    `env` adds variables (e.g. MOLTNET_POSTGRES_DSN); `workdir` reuses a directory (a restart on the
    same SQLite file); the config is written there as `Moltnet` (mode 0600: it may hold secrets).
    """

    def __init__(self, impl: str, config: str, *, env: dict[str, str] | None = None, workdir: Path | None = None,
                 name: str = "bench", start: bool = True, timeout: float = 60) -> None:
        if impl not in ("ours", "go"):
            raise ValueError(f"unknown implementation {impl!r}")
        self.impl = impl
        self.dir = workdir or Path(tempfile.mkdtemp(prefix=f"moltnet-{name}-{impl}-"))
        self.workdir = self.dir
        self.config_text = config_for(impl, config)
        self.config_path = self.config = self.dir / "Moltnet"
        self.config_path.write_text(self.config_text)
        os.chmod(self.config_path, 0o600)
        self.extra_env = dict(env or {})
        self.log_path = self.dir / "server.log"
        self.process: subprocess.Popen | None = None
        self.port = 0
        if start:
            self.start(timeout)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def db_path(self) -> Path:
        """The SQLite file the config (or MOLTNET_SQLITE_PATH) names; default .moltnet/moltnet.db."""
        if self.extra_env.get("MOLTNET_SQLITE_PATH"):
            return self.dir / self.extra_env["MOLTNET_SQLITE_PATH"]
        storage = (yaml.safe_load(self.config_text) or {}).get("storage") or {}
        return self.dir / ((storage.get("sqlite") or {}).get("path") or ".moltnet/moltnet.db")

    def command(self) -> list[str]:
        if self.impl == "go":
            binary = go_bin()
            if binary is None:
                raise SystemExit("MOLTNET_GO_BIN is not set: cannot start the Go server")
            return [binary, "start"]
        return [sys.executable, "-m", "moltnet.cli", "start"]

    def start(self, timeout: float = 60) -> Server:
        """Start on a fresh free port and wait for /healthz == 200."""
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("MOLTNET_CONFIG", "DJANGO_SETTINGS_MODULE", "MOLTNET_BENCH_SUMMARY")}
        env.update({"MOLTNET_LISTEN_ADDR": f"127.0.0.1:{self.port}", "PYTHONUNBUFFERED": "1"})
        if self.impl == "ours":
            # Both servers log at their default level (INFO: a line per request), to the same file.
            env.update({"PYTHONPATH": str(OURS_REPO)})
        env.update(self.extra_env)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command(), cwd=self.dir, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.check_alive()
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"{self.impl} server did not answer /healthz in {timeout:.0f}s:\n{self.tail()}")

    def check_alive(self) -> None:
        """Raise ServerGoneError with the log tail when the server process has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise ServerGoneError(f"{self.impl} server exited with status {self.process.returncode}; "
                             f"log tail ({self.log_path}):\n{self.tail()}")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is not None:
            self.explain()
        self.stop()

    def explain(self) -> None:
        """After a failed measurement (call it in the `except`): if the server died, raise ServerGoneError
        with its log tail (compare() then retries the round); else print the tail to stderr and let the
        caller re-raise its own error. A server sent a signal from outside may still be shutting down
        (listener closed, process alive): wait a little for it."""
        if isinstance(sys.exc_info()[1], KeyboardInterrupt):
            return  # Ctrl-C reached the server too: nothing to explain or retry
        traceback.print_exc()  # the error being handled, before anything replaces it
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(3)
            if self.process.returncode is not None:
                print(f"NOTE: the {self.impl} server ended (status {self.process.returncode}) while this bench "
                      "still used it; both servers exit 0 on SIGTERM, so status 0 or -15 means a signal from "
                      "another process on the machine (e.g. a `pkill -f moltnet` elsewhere)", file=sys.stderr)
        self.check_alive()
        if self.process is not None:
            print(f"{self.impl} server still running; log tail ({self.log_path}):\n{self.tail()}", file=sys.stderr)

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, *, keep: bool = False) -> None:
        """SIGTERM (SIGKILL after 15 s); remove the temp dir unless `keep` (restart on the same files)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None  # stopped on purpose: check_alive() has nothing to report
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def rss_kib(self) -> int:
        return rss_kib(self.pid)


class BenchServer(Server):
    """Compatibility: our server with a `rooms:` block (what node_wakes.py and older scripts use)."""

    def __init__(self, rooms: str, impl: str = "ours") -> None:
        super().__init__(impl, f"version: moltnet.v1\nrooms:\n{rooms}")


@dataclass
class Figure:
    """One reported figure: `key` in the measure's result, how to print it, which way is better."""

    key: str
    label: str
    unit: str
    higher_is_better: bool = False
    ratio: bool = True  # False for counts that must be zero (missing/duplicated events): worst round shown


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value == int(value) and abs(value) < 1000:
        return str(int(value))
    if value != 0 and abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"


def _measure_round(measure: Callable[[str], dict[str, float]], impl: str, retries: int = 2) -> dict[str, float]:
    """measure(impl), run again (at most `retries` times) when its server died under it."""
    for attempt in range(retries + 1):
        try:
            return measure(impl)
        except ServerGoneError as gone:
            if attempt == retries:
                raise SystemExit(f"{gone}\n(gave up after {retries} retries)") from gone
            print(f"  ROUND RETRIED: {str(gone).splitlines()[0]}", flush=True)
    raise AssertionError("unreachable")


def compare(title: str, figures: list[Figure], measure: Callable[[str], dict[str, float]], rounds: int = 3,
            impls: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Run `measure(impl)` for `rounds` rounds, implementations alternating; print medians and ours ÷ Go."""
    impls = impls or implementations()
    samples: dict[str, dict[str, list[float]]] = {impl: {f.key: [] for f in figures} for impl in impls}
    print(f"== {title} ==", flush=True)
    for r in range(rounds):
        for impl in impls:
            result = _measure_round(measure, impl)
            shown = " ".join(f"{f.key}={_fmt(result[f.key])}" for f in figures if f.key in result)
            print(f"  round {r + 1}/{rounds} {impl:>4}: {shown}", flush=True)
            for f in figures:
                if f.key in result:
                    samples[impl][f.key].append(result[f.key])
    worst = {f.key for f in figures if not f.ratio}
    medians = {impl: {k: (max(v) if k in worst else statistics.median(v)) for k, v in vals.items() if v}
               for impl, vals in samples.items()}
    has_go = "go" in impls
    width = max(44, *(len(f"{f.label} ({f.unit})") for f in figures))
    print(f"  {'figure':<{width}} {'ours':>10} {'Go':>10} {'ours/Go':>8}  (median of {rounds} rounds)")
    summary = os.environ.get("MOLTNET_BENCH_SUMMARY")
    for f in figures:
        ours = medians.get("ours", {}).get(f.key)
        go = medians.get("go", {}).get(f.key) if has_go else None
        ratio = ours / go if (f.ratio and ours is not None and go) else None
        if not f.ratio:
            note = "must be 0 (worst round)"
        else:
            note = "higher is better" if f.higher_is_better else "lower is better"
        label = f"{f.label} ({f.unit})"
        ratio_text = f"{ratio:.2f}" if ratio is not None else ("n/a" if has_go else "—")
        print(f"  {label:<{width}} {_fmt(ours):>10} {_fmt(go):>10} {ratio_text:>8}  {note}", flush=True)
        if summary:
            with open(summary, "a") as out:
                out.write(json.dumps({"title": title, "figure": label, "ours": ours, "go": go, "ratio": ratio,
                                      "note": note, "go_measured": has_go}) + "\n")
    if not has_go:
        print("  Go was not measured (set MOLTNET_GO_BIN=/path/to/moltnet-go to compare).", flush=True)
    return medians
