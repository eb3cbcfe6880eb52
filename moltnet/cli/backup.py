"""`moltnet backup` and `moltnet restore`: a consistent copy of a SQLite network, and putting one back.

Backup reads the same config as `moltnet start` and copies its SQLite file with SQLite's online
backup API while the server keeps serving: the copy is made in one step, inside one read
transaction, so it is the database as of one commit (in WAL mode a reader never blocks the
server's writers; a copy made in several steps would restart whenever the server commits, which
under a steady send load is for ever). The copy is written to a temporary file next to PATH,
switched out of WAL mode (one self-contained file), checked with `PRAGMA integrity_check`,
synced, and renamed into place.

Restore refuses while the target database is in use (moltnet.dblock: the lock a running server
holds, or SQLite's own WAL lock) and refuses to replace an existing database without --force;
the restored file replaces the old one with a rename, after its stale -wal and -shm files are
removed. Postgres networks are backed up and restored with pg_dump / pg_restore (README "Backups").
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from moltnet.cli.flags import CliError, FlagSet, HelpShownError, guarded
from moltnet.config import ConfigError, ServerConfig, load_server_config, quoted

BACKUP_USAGE = """Usage:
  moltnet backup <path> [--config <file>] [--force]

Writes a consistent copy of the running (or stopped) network's SQLite database to <path>, without
stopping the server. The database is the one `moltnet start` would use: the Moltnet file in this
directory, MOLTNET_CONFIG or --config, and the MOLTNET_* overrides. --force replaces an existing
<path>. Postgres networks: use pg_dump (README "Backups").
"""

RESTORE_USAGE = """Usage:
  moltnet restore <backup> [--config <file>] [--force]

Puts a backup made by `moltnet backup` in place of the network's SQLite database. Refuses while a
server (or any other process) has the database open: stop the server first. Refuses to replace an
existing database unless --force is given. Postgres networks: use pg_restore (README "Backups").
"""

POSTGRES_HINT = {
    "backup": "storage is postgres: back it up with pg_dump (pg_dump --format=custom --file=moltnet.dump \"$DSN\"); "
              "see README \"Backups\"",
    "restore": "storage is postgres: restore a pg_dump archive with pg_restore (pg_restore --clean --if-exists "
               "--dbname \"$DSN\" moltnet.dump) while the servers are stopped; see README \"Backups\"",
}
MEMORY_HINT = "storage is memory: nothing is kept on disk to {0}; use storage.kind sqlite or postgres"


def _flags(command: str) -> FlagSet:
    flags = FlagSet(command)
    flags.string("config", help="Moltnet server config file (default: as `moltnet start` finds it)")
    flags.boolean("force", help="replace an existing file")
    return flags


def _parse(command: str, usage: str, args: list[str]) -> tuple[Path, dict[str, Any]]:
    """Flags before or after the one positional argument."""
    if args[:1] and args[0] in ("-h", "-help", "--help", "help"):
        sys.stdout.write(usage)
        raise HelpShownError("help requested")
    flags = _flags(command)
    values, rest = flags.parse(args)
    if rest:
        positional, later = rest[0], rest[1:]
        more, extra = flags.parse(later)
        values.update({k: v for k, v in more.items() if v != flags.flags[k].default})
        if extra:
            raise CliError(f"{command}: one path expected, got {len(extra) + 1}")
    else:
        raise CliError(f"{command}: a path is required\n\n{usage}")
    return Path(positional), values


def _config(command: str, config_file: str) -> ServerConfig:
    environ = dict(os.environ)
    if config_file:
        environ["MOLTNET_CONFIG"] = config_file
    try:
        cfg = load_server_config(environ)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    if cfg.storage_kind == "postgres":
        raise CliError(f"{command}: {POSTGRES_HINT[command]}")
    if cfg.storage_kind == "memory":
        raise CliError(f"{command}: {MEMORY_HINT.format(command)}")
    return cfg


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_database(source: Path, target: Path, mode: str = "ro") -> None:
    """Copy `source` into a new file `target` with the backup API, in one step (one snapshot), then
    make it a self-contained rollback-journal file, check it, and sync it to disk. `mode` "rw" for
    a live WAL database: a read-only connection would leave -wal/-shm files behind it."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode={mode}", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: the whole database inside one read transaction
            dst.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise CliError(f"integrity check of the copy failed: {'; '.join(problems[:3])}")
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(target, 0o600)  # it holds the network's credentials
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def _temporary(target: Path) -> Path:
    return target.parent / f".{target.name}.partial-{os.getpid()}"


def _install(source: Path, target: Path, *, mode: str, failed: str, stale: tuple[Path, ...] = ()) -> None:
    """Copy `source` to a temporary file beside `target`, then rename it into place.

    `failed` begins the error when SQLite cannot copy; `stale` files are removed just before the rename.
    """
    partial = _temporary(target)
    try:
        copy_database(source, partial, mode=mode)
        for path in stale:
            path.unlink(missing_ok=True)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise CliError(f"{failed}: {' '.join(str(exc).split())}") from None
    finally:
        partial.unlink(missing_ok=True)
    _sync_dir(target.parent)


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


@guarded
def backup(args: list[str]) -> int:
    """`moltnet backup PATH`: a consistent copy of the configured SQLite database."""
    target, values = _parse("backup", BACKUP_USAGE, args)
    cfg = _config("backup", values["config"])
    source = Path(cfg.sqlite_path)
    if not source.is_file():
        raise CliError(f"backup: no database at {quoted(source)} (storage.sqlite.path); nothing to back up")
    if target.is_dir():
        raise CliError(f"backup: {quoted(target)} is a directory; give the backup file's path")
    if target.exists() and not values["force"]:
        raise CliError(f"backup: {quoted(target)} exists; pass --force to replace it")
    if target.resolve() == source.resolve():
        raise CliError("backup: the backup path is the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    # "rw" opens the live database without creating it and writes nothing (see copy_database).
    _install(source, target, mode="rw", failed=f"copy {quoted(source)}")
    print(f"backed up {source} to {target} ({_size(target)}, integrity ok)")
    return 0


@guarded
def restore(args: list[str]) -> int:
    """`moltnet restore BACKUP`: put a backup in place of the configured SQLite database."""
    # Imported when this command runs: every `moltnet` run loads each command's module, so what only
    # one command needs is loaded by that command (start-up stays quick; see moltnet.cli._commands).
    from moltnet import dblock

    source, values = _parse("restore", RESTORE_USAGE, args)
    cfg = _config("restore", values["config"])
    target = Path(cfg.sqlite_path)
    if not source.is_file() or not _is_sqlite(source):
        raise CliError(f"restore: {quoted(source)} is not a SQLite database (a file made by `moltnet backup`)")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        with dblock.exclusive(target):
            if target.exists() and not values["force"]:
                raise CliError(f"restore: {quoted(target)} exists; pass --force to replace it with the backup")
            _install(source, target, mode="ro", failed=f"restore: read {quoted(source)}",
                     stale=(Path(f"{target}-wal"), Path(f"{target}-shm")))  # they belong to the old file
    except dblock.InUseError as exc:
        raise CliError(f"restore: {quoted(target)} is in use: {exc}; stop the server first") from None
    print(f"restored {source} to {target} ({_size(target)}, integrity ok); start the server with `moltnet start`")
    return 0


COMMANDS = {"backup": backup, "restore": restore}
