"""Test settings: the project settings on an isolated config, SQLite by default or Postgres.

`MOLTNET_TEST_DB=postgres` starts a throwaway Postgres 15 cluster for this test session.
"""

import os
import tempfile
from pathlib import Path

os.environ["MOLTNET_CONFIG"] = str(Path(__file__).parent / "data" / "Moltnet.test")
# A file (not shared-cache memory) so concurrent-writer tests see real SQLite locking: WAL + busy
# timeout + IMMEDIATE transactions. One file per test process; Django deletes it at the end.
os.environ.setdefault("MOLTNET_TEST_SQLITE_NAME", str(Path(tempfile.gettempdir()) / f"moltnet-test-{os.getpid()}.db"))
if os.environ.get("MOLTNET_TEST_DB") == "postgres":
    from tests.support.pgcluster import cluster

    os.environ["MOLTNET_POSTGRES_DSN"] = cluster().dsn()

from moltnet.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
