"""Go's `flag` package semantics for the `moltnet` subcommands (docs/protocol/cli.md §1.2): syntax, messages, usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moltnet.gocompat.numbers import parse_int

BOOL_LITERALS = {"1": True, "t": True, "T": True, "true": True, "TRUE": True, "True": True,
                 "0": False, "f": False, "F": False, "false": False, "FALSE": False, "False": False}


class CliError(Exception):
    """A command failure: the message is printed after the log timestamp, exit status 1."""


class HelpShownError(CliError):
    """`-h` / `--help` / `help`: the usage was printed; the command succeeds (exit status 0)."""


@dataclass
class Flag:
    name: str
    kind: type  # str, int, bool or list (repeatable string)
    default: Any
    help: str


@dataclass
class FlagSet:
    command: str
    flags: dict[str, Flag] = field(default_factory=dict)

    def string(self, name: str, default: str = "", help: str = "") -> FlagSet:
        self.flags[name] = Flag(name, str, default, help)
        return self

    def integer(self, name: str, default: int = 0, help: str = "") -> FlagSet:
        self.flags[name] = Flag(name, int, default, help)
        return self

    def boolean(self, name: str, default: bool = False, help: str = "") -> FlagSet:
        self.flags[name] = Flag(name, bool, default, help)
        return self

    def repeated(self, name: str, help: str = "") -> FlagSet:
        self.flags[name] = Flag(name, list, [], help)
        return self

    def usage(self) -> str:
        lines = [f"Usage of moltnet {self.command}:"]
        for name in sorted(self.flags):
            flag = self.flags[name]
            type_name = {str: " string", int: " int", bool: "", list: " value"}[flag.kind]
            lines.append(f"  -{name}{type_name}")
            help_text = flag.help
            if flag.kind is str and flag.default:
                help_text += f' (default "{flag.default}")'
            elif flag.kind in (int, bool) and flag.default:
                help_text += f" (default {str(flag.default).lower() if flag.kind is bool else flag.default})"
            lines.append(f"    \t{help_text}")
        return "\n".join(lines)

    def fail(self, message: str) -> CliError:
        """Go's FlagSet.failf: the message and the flag usage on stdout, then the error."""
        print(message)
        print(self.usage())
        return CliError(message)

    def parse(self, args: list[str]) -> tuple[dict[str, Any], list[str]]:
        """Return (values, positional); raises CliError with Go's messages."""
        values: dict[str, Any] = {n: (list(f.default) if f.kind is list else f.default) for n, f in self.flags.items()}
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                return values, args[i + 1 :]
            if not arg.startswith("-") or arg == "-":
                return values, args[i:]
            name = arg[2:] if arg.startswith("--") else arg[1:]
            if not name or name.startswith("-") or name.startswith("="):
                raise self.fail(f"bad flag syntax: {arg}")
            inline = None
            if "=" in name:
                name, inline = name.split("=", 1)
            if name in ("h", "help") and name not in self.flags:
                print(self.usage())
                raise HelpShownError("flag: help requested")
            flag = self.flags.get(name)
            if flag is None:
                raise self.fail(f"flag provided but not defined: -{name}")
            if flag.kind is bool:
                if inline is None:
                    values[name] = True
                elif inline in BOOL_LITERALS:
                    values[name] = BOOL_LITERALS[inline]
                else:
                    raise self.fail(f'invalid boolean value "{inline}" for -{name}: parse error')
                i += 1
                continue
            if inline is None:
                if i + 1 >= len(args):
                    raise self.fail(f"flag needs an argument: -{name}")
                inline = args[i + 1]
                i += 1
            i += 1
            if flag.kind is int:
                try:
                    values[name] = parse_int(inline)
                except ValueError as exc:
                    raise self.fail(f'invalid value "{inline}" for flag -{name}: {exc}') from None
            elif flag.kind is list:
                values[name].append(inline)
            else:
                values[name] = inline
        return values, []
