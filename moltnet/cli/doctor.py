"""`moltnet doctor`: the one command to run when something is off.

One line per check on stdout — `ok`, `warn` or `fail`, what was found, and for a problem the fix —
then a summary. Exit status 1 when any check failed. Nothing is changed: the database is opened
read-only, the listen address is only test-bound, nothing is written.

Checks: the `Moltnet` file (found, valid as `moltnet start` reads it), the database (reachable,
migrated), the listen address (free, or served by this network), the auth mode (what it exposes),
and, when a `MoltnetNode` file is here, each attachment (server, token, runtime, skill).
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from moltnet.cli.flags import CliError
from moltnet.cli.startlines import base_url, describe_storage, is_loopback
from moltnet.config import ConfigError, ServerConfig, load_server_config, locate_config, parse_listen_addr
from moltnet.gocompat.schema import LATEST_GO_VERSION

MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "skip": "skip"}
PROBE_TIMEOUT = 3.0


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "warn": 0, "fail": 0, "skip": 0})

    def add(self, status: str, check: str, found: str, fix: str = "") -> None:
        self.counts[status] += 1
        line = f"{MARKS[status]}  {check}: {found}"
        if fix:
            line += f" — fix: {fix}"
        try:
            print(line, flush=True)
        except BrokenPipeError:  # `moltnet doctor | head`: the reader has what it wanted
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the rest of this short-lived process
        self.lines.append(line)

    def summary(self) -> str:
        fails, warns = self.counts["fail"], self.counts["warn"]
        if not fails and not warns:
            return "doctor: everything checked is fine"
        parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((fails, "failure"), (warns, "warning")) if n]
        return "doctor: " + ", ".join(parts)


def doctor(args: list[str]) -> int:
    if args and args[0] in ("-h", "--help", "help"):
        print("Usage:\n  moltnet doctor\n\nChecks the Moltnet and MoltnetNode files in this directory, the database, "
              "the listen address, auth, and each node attachment; prints a fix for each problem.")
        return 0
    if args:
        raise CliError("doctor does not accept arguments")
    report = Report()
    cfg = check_config(report)
    if cfg is not None:
        check_database(report, cfg)
        check_listen(report, cfg)
        check_auth(report, cfg)
    # The node's modules load only for the node commands (see moltnet.cli._commands).
    from moltnet.cli.doctor_node import check_node

    check_node(report)
    print(report.summary())
    return 1 if report.counts["fail"] else 0


# ---- the server -----------------------------------------------------------------------------------------

def check_config(report: Report) -> ServerConfig | None:
    try:
        path = locate_config()
    except ConfigError as exc:
        report.add("fail", "config", str(exc), "point MOLTNET_CONFIG at a Moltnet file, or unset it")
        return None
    try:
        cfg = load_server_config(declared=True)
    except ConfigError as exc:
        report.add("fail", "config", str(exc),
                   "correct the value named above; `moltnet validate` checks the file again")
        return None
    if path is None:
        report.add("warn", "config", "no Moltnet file here (Moltnet, moltnet.yaml, moltnet.yml, moltnet.json): "
                   "built-in defaults apply", "run `moltnet init` to write one, or cd to the directory that holds it")
    else:
        report.add("ok", "config", f"{path} is valid (network {cfg.network_id}, listen {cfg.listen_addr})")
    return cfg


def check_database(report: Report, cfg: ServerConfig) -> None:
    where = describe_storage(cfg)
    if cfg.storage_kind == "memory":
        report.add("ok", "database", "memory storage: nothing to check (everything is lost at exit)")
        return
    try:
        if cfg.storage_kind == "sqlite":
            path = Path(cfg.sqlite_path)
            if not path.exists():
                _no_database_yet(report, path)
                return
            conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=5)
        else:
            import psycopg

            conn = psycopg.connect(cfg.postgres_dsn, connect_timeout=5)
    except Exception as exc:  # noqa: BLE001 - any driver error is the finding
        report.add("fail", "database", f"cannot open {where}: {' '.join(str(exc).split())}",
                   "check storage.sqlite.path (file permissions)" if cfg.storage_kind == "sqlite"
                   else "check storage.postgres.dsn and that Postgres is running and reachable")
        return
    try:
        applied = _applied_migrations(conn)
        go_version = _go_schema_version(conn)
        removed = {row[0] for row in _query(conn, "SELECT id FROM rooms WHERE deleted_at IS NOT NULL") or []}
    except Exception as exc:  # noqa: BLE001
        report.add("fail", "database", f"{where} is reachable but cannot be read: {' '.join(str(exc).split())}",
                   "check that it is a Moltnet database (or start from an empty one)")
        return
    finally:
        conn.close()

    if go_version is not None and go_version > LATEST_GO_VERSION:
        report.add("fail", "database", f"{where}: Go schema version {go_version} is newer than this server supports "
                   f"(up to {LATEST_GO_VERSION})", "upgrade Moltnet")
        return
    if applied is None:
        report.add("warn", "database", f"{where} is reachable but has no Moltnet tables yet",
                   "run `moltnet start`: migrations run before it listens")
        return
    gone = sorted({room.id.strip() for room in cfg.rooms} & removed)
    if gone:
        report.add("fail", "database", f"declared room {gone[0]!r} was removed through the API, so `moltnet start` "
                   f'stops with unknown room "{gone[0]}"', "take it out of rooms: in the Moltnet file (a removed "
                   "room id stays reserved; declare a new id)")
        return
    pending = sorted(_known_migrations() - applied)
    if pending:
        names = ", ".join(f"{app}.{name}" for app, name in pending[:3]) + (" …" if len(pending) > 3 else "")
        report.add("warn", "database", f"{where} is reachable; {len(pending)} migration(s) not applied yet ({names})",
                   "run `moltnet start` (or restart it): migrations run on start")
        return
    report.add("ok", "database", f"{where} is reachable and fully migrated")


def _no_database_yet(report: Report, path: Path) -> None:
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not os.access(existing, os.W_OK | os.X_OK):
        report.add("fail", "database", f"no SQLite database yet at {path}, and {existing} is not writable, so "
                   "`moltnet start` cannot create it", "make the directory writable for this user, or set "
                   "storage.sqlite.path (or MOLTNET_SQLITE_PATH) to a writable place")
        return
    report.add("warn", "database", f"no SQLite database yet at {path}",
               "run `moltnet start`: it creates the database and runs the migrations")


def _query(conn: object, sql: str) -> list[tuple] | None:
    """The rows, or None when the table does not exist (a database no server has prepared yet)."""
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
    except Exception as exc:
        if "no such table" not in str(exc) and "does not exist" not in str(exc):
            raise
        conn.rollback()
        return None
    return cursor.fetchall()


def _applied_migrations(conn: object) -> set[tuple[str, str]] | None:
    rows = _query(conn, "SELECT app, name FROM django_migrations")
    return None if rows is None else {(app, name) for app, name in rows}


def _go_schema_version(conn: object) -> int | None:
    rows = _query(conn, "SELECT MAX(version) FROM schema_migrations")
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def _known_migrations() -> set[tuple[str, str]]:
    """Every migration of the installed apps, read from disk (no database connection)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moltnet.settings")
    django.setup()
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def check_listen(report: Report, cfg: ServerConfig) -> None:
    host, port = parse_listen_addr(cfg.listen_addr)
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    try:
        probe.bind((host, port))
    except OSError as exc:
        _taken(report, cfg, host, port, exc)
        return
    finally:
        probe.close()
    report.add("ok", "listen", f"{cfg.listen_addr} is free ({base_url(host, port)} once started)")


def _taken(report: Report, cfg: ServerConfig, host: str, port: int, exc: OSError) -> None:
    fix = "set server.listen_addr (or MOLTNET_LISTEN_ADDR) to a free host:port"
    if exc.errno == errno.EACCES:
        report.add("fail", "listen", f"{cfg.listen_addr}: permission denied (ports below 1024 need root)", fix)
        return
    if exc.errno != errno.EADDRINUSE:
        report.add("fail", "listen", f"{cfg.listen_addr}: {exc.strerror or exc}", fix)
        return
    url = base_url(host, port)
    token = next((t.value for t in cfg.tokens if {"observe", "admin", "pair", "attach"} & set(t.scopes)), "")
    headers = {"Authorization": f"Bearer {token}"} if token and cfg.auth_mode != "none" else {}
    try:
        response = httpx.get(url + "/v1/network", headers=headers, timeout=PROBE_TIMEOUT)
        document = response.json() if response.status_code == 200 else {}
        health = httpx.get(url + "/healthz", timeout=PROBE_TIMEOUT).json() if response.status_code in (401, 403) \
            else {}
    except (httpx.HTTPError, ValueError):
        document, health = {}, {}
    if isinstance(document, dict) and document.get("id") == cfg.network_id:
        report.add("ok", "listen", f"{cfg.listen_addr} is served by this network ({document.get('name')}, "
                   f"Moltnet {document.get('version') or '?'}): a server is running")
    elif isinstance(document, dict) and document.get("id"):
        report.add("fail", "listen", f"{cfg.listen_addr} is served by another Moltnet network "
                   f"({document.get('id')!r})", f"stop that server, or {fix}")
    elif isinstance(health, dict) and health.get("status") == "ok":
        report.add("warn", "listen", f"{cfg.listen_addr} is served by a Moltnet server that refuses this config's "
                   "credentials, so its network cannot be named", f"if it is not this network, stop it or {fix}")
    else:
        report.add("fail", "listen", f"{cfg.listen_addr} is in use by another program",
                   f"stop it (`ss -ltnp | grep :{port}` shows which), or {fix}")


def check_auth(report: Report, cfg: ServerConfig) -> None:
    host, _ = parse_listen_addr(cfg.listen_addr)
    local = is_loopback(host)
    admins = sum(1 for t in cfg.tokens if "admin" in [s.strip() for s in t.scopes])
    if cfg.auth_mode == "none":
        if local:
            report.add("ok", "auth", "mode none: no token needed, and only this machine can connect")
        else:
            report.add("warn", "auth", f"mode none on {cfg.listen_addr}: anyone who can reach it can read, write and "
                       "administer everything", "set auth.mode: bearer (tokens) or open (public network), or listen "
                       "on 127.0.0.1")
        return
    reads = "public rooms are readable without a token" if cfg.public_read else "reading needs a token"
    if cfg.auth_mode == "open":
        limits = "rate limits on" if cfg.rate_limits_active else "rate limits OFF"
        found = f"mode open: {reads}, anyone may register an agent, {limits}; {len(cfg.tokens)} static token(s)"
        if not cfg.rate_limits_active:
            report.add("warn", "auth", found, "remove auth.rate_limits.enabled: false (anonymous registration "
                       "is then unthrottled)")
            return
    else:
        found = f"mode bearer: every call needs one of {len(cfg.tokens)} token(s); {reads}"
    if not admins:
        report.add("warn", "auth", found + "; no token has the admin scope",
                   "give one token `admin` to use the console's admin actions and /metrics")
        return
    report.add("ok", "auth", found + f"; {admins} with admin (console, /metrics)")
