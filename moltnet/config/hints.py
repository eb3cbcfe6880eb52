"""What a config error adds for the person reading it: where (line, column) and what to do.

The spec's error texts stay as they are; these helpers only append to them: ` (line 3, column 5)`
after a problem YAML can place, `; did you mean listen_addr?` after an unknown key, and a plain
sentence instead of PyYAML's `in "<byte string>"` caret display for a syntax error.
"""

from __future__ import annotations

import difflib
import re

import yaml

Marks = dict[str, tuple[int, int]]  # config path → (line, column), both 1-based as editors count

_SYNTAX_HINTS = (
    ("found character '\\t' that cannot start any token", "indent with spaces, not tabs"),
    ("while scanning a quoted scalar", "is a closing quote missing?"),
    ("mapping values are not allowed", "check the indentation, or quote a value that contains \": \""),
    ("could not find expected ':'", "check the indentation, or add the missing \":\" after the key"),
    ("expected <block end>", "check the indentation of this line against the lines above"),
    ("while parsing a flow", "is a closing bracket or brace missing?"),
    ("while scanning a simple key", "check the indentation, or add the missing \":\" after the key"),
)


def at(line: int, column: int) -> str:
    return f"line {line}, column {column}"


def located(marks: Marks, field: str) -> str:
    """` (line L, column C)` for `field` or its nearest ancestor written in the file, else ""."""
    path = field
    while path:
        if path in marks:
            return f" ({at(*marks[path])})"
        path = _parent(path)
    return ""


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def unknown_key(where: str, key: str, known: list[str], mark: tuple[int, int] | None) -> str:
    """`field server.listen not found in type: "listen" is not a key of server (line 3, column 3); did you
    mean listen_addr?` — Go's words first, then what is wrong, where, and what to write instead."""
    place = f"a key of {where}" if where else "a top-level key"
    text = f"field {where + '.' if where else ''}{key} not found in type: {_quote(key)} is not {place}"
    if mark:
        text += f" ({at(*mark)})"
    suggestion = closest(key, known)
    if suggestion:
        return f"{text}; did you mean {suggestion}?"
    return f"{text}; {'the keys of ' + where if where else 'top-level keys'} are {', '.join(known)}"


def closest(key: str, known: list[str]) -> str | None:
    """The known key a typo most likely meant: a close spelling, or one that starts with it."""
    folded = {name.lower(): name for name in known}
    if key.lower() in folded:
        return folded[key.lower()]
    match = difflib.get_close_matches(key.lower(), list(folded), n=1, cutoff=0.6)
    if match:
        return folded[match[0]]
    starts = [name for name in known if len(key) >= 3 and (name.startswith(key) or key.startswith(name))]
    return starts[0] if len(starts) == 1 else None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def yaml_syntax(exc: yaml.YAMLError) -> str:
    """One line for a YAML syntax error: `yaml: <problem> (line L, column C) while <context> that starts at
    line L', column C'; <hint>`, without PyYAML's stream name and caret snippet."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return "yaml: " + " ".join(str(exc).split())
    problem = exc.problem or "invalid YAML"
    text = f"yaml: {problem}"
    if exc.problem_mark is not None:
        text += f" ({at(exc.problem_mark.line + 1, exc.problem_mark.column + 1)})"
    if exc.context:
        text += f" {exc.context}"
        if exc.context_mark is not None and (exc.problem_mark is None or
                                             exc.context_mark.line != exc.problem_mark.line or
                                             exc.context_mark.column != exc.problem_mark.column):
            text += f" that starts at {at(exc.context_mark.line + 1, exc.context_mark.column + 1)}"
    full = f"{exc.context or ''} {problem}"
    hint = next((advice for needle, advice in _SYNTAX_HINTS if needle in full), None)
    text = re.sub(r"\s+", " ", text).strip()
    return f"{text}; {hint}" if hint else text
