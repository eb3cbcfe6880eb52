"""What authentication costs per request: static tokens, agent tokens, refusals and rate-limit checks.

    .venv/bin/python bench/auth.py [--agents 10000] [--runs 2000]

In-process against a fresh SQLite file (WAL, as `moltnet start` uses it): route class
authentication (agents.policy) for a static token among 20 configured, an agent token looked up
among N registrations, an unknown token (refused, and counted for the audit trail's
failure bursts), and one anonymous-registration rate-limit check (a counted database write).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="moltnet-bench-auth-"))
    tokens = "\n".join(f"    - {{id: t{i}, value: secret-{i}, scopes: [observe, write]}}" for i in range(20))
    config = workdir / "Moltnet"
    config.write_text(f"version: moltnet.v1\nauth:\n  mode: open\n  rate_limits: {{register_per_minute: 1000000}}\n"
                      f"  tokens:\n{tokens}\nstorage:\n  kind: sqlite\n  sqlite:\n    path: {workdir}/m.db\n")
    os.chmod(config, 0o600)
    os.environ["MOLTNET_CONFIG"] = str(config)
    os.environ["DJANGO_SETTINGS_MODULE"] = "moltnet.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from agents.auth import agent_token_key
    from agents.models import AgentRegistration
    from agents.policy import PUB, REQ, RequestCredentials
    from agents.ratelimit import check_rate_limit
    from moltnet import state
    from moltnet.errors import ApiError
    from moltnet.ids import new_agent_token, now

    stamp = now()
    known = new_agent_token()
    AgentRegistration.objects.bulk_create(
        [AgentRegistration(agent_id=f"a{i:06d}", network_id="local", actor_uid=f"actor_{i}", actor_uri="",
                           credential_key=agent_token_key(known if i == args.agents // 2 else new_agent_token()),
                           created_at=stamp, updated_at=stamp) for i in range(args.agents)], batch_size=1000)
    policy = state.auth_policy()

    def creds(token: str) -> RequestCredentials:
        return RequestCredentials({"authorization": f"Bearer {token}"}, {}, "/v1/messages", {}, "127.0.0.1")

    def refused() -> None:
        with contextlib.suppress(ApiError):
            PUB("observe", "admin").authenticate(policy, creds("not-a-token"))

    cases = {
        "static token (20 configured)": lambda: REQ("write").authenticate(policy, creds("secret-19")),
        f"agent token ({args.agents} registrations)": lambda: REQ("write").authenticate(policy, creds(known)),
        "unknown token (401 + failure count)": refused,
        "anonymous registration rate-limit check": lambda: check_rate_limit("register", "127.0.0.1"),
    }
    print(f"{'case':45} {'median µs':>10} {'p99 µs':>10}")
    for name, fn in cases.items():
        median, p99 = timed(fn, args.runs)
        print(f"{name:45} {median:10.0f} {p99:10.0f}")


if __name__ == "__main__":
    main()
