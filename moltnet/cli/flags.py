"""The `moltnet` subcommands' shared command plumbing: help words, positional checks, one-line failures.

Flag parsing itself follows Go's `flag` package and lives in `moltnet.gocompat.flags`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from moltnet.gocompat.flags import CliError, FlagSet, HelpShownError

__all__ = ["HELP_WORDS", "CliError", "FlagSet", "HelpShownError", "guarded", "help_requested", "no_positional"]

HELP_WORDS = ("-h", "--help", "-help", "help")


def help_requested(args: list[str]) -> bool:
    """A command's only argument asks for help."""
    return len(args) == 1 and args[0] in HELP_WORDS


def no_positional(command: str, positional: list[str]) -> None:
    if positional:
        raise CliError(f"{command} does not accept positional arguments")


def guarded(command: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
    """Agents read stderr: every failure becomes one line, never a traceback."""

    @functools.wraps(command)
    def run(args: list[str]) -> int:
        try:
            return command(args)
        except CliError:
            raise
        except OSError as exc:
            where = f' "{exc.filename}"' if exc.filename else ""
            raise CliError(f"{exc.strerror or exc}{where}") from None
        except Exception as exc:  # a bug or an unexpected server answer; still one actionable line
            raise CliError(f"unexpected error: {type(exc).__name__}: {' '.join(str(exc).split())}") from None

    return run
