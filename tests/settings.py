"""Test settings: the project settings on an isolated config, SQLite by default or Postgres.

`MOLTNET_TEST_DB=postgres` starts a throwaway Postgres 15 cluster for this test session.
"""

import os
from pathlib import Path

os.environ["MOLTNET_CONFIG"] = str(Path(__file__).parent / "data" / "Moltnet.test")
if os.environ.get("MOLTNET_TEST_DB") == "postgres":
    from tests.support.pgcluster import cluster

    os.environ["MOLTNET_POSTGRES_DSN"] = cluster().dsn()

from moltnet.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
