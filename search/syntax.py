"""The query syntax users type, one for both databases: Postgres' `websearch_to_tsquery` rules.

    deploy failed          both words, anywhere in the message
    "deploy failed"        the phrase
    deploy OR rollback     either word
    deploy -staging        deploy, but not messages that contain staging

On Postgres the text goes to `websearch_to_tsquery` as typed; on SQLite it is translated to an
FTS5 expression in which every word and phrase is a quoted string, so no input is an FTS5 syntax
error. What neither can search — no word at all, or only excluded words — is a 400 here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moltnet.errors import bad_request

MAX_QUERY_LENGTH = 1000
# A phrase in double quotes (the closing quote may be missing), or a bare run of non-space.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class ParsedQuery:
    """AND of `groups` (each an OR of phrases), minus any message containing an `excluded` phrase."""

    groups: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]


def parse_query(text: str) -> ParsedQuery:
    """Parse `q`; a 400 with the reason when there is nothing to search for."""
    text = text.strip()
    if not text:
        raise bad_request("q is required: the words to search for")
    if len(text) > MAX_QUERY_LENGTH:
        raise bad_request(f"q is longer than {MAX_QUERY_LENGTH} characters")
    groups: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.upper() == "OR" and groups:
                join_next = True
                continue
            negated, phrase = ("-", bare[1:]) if bare.startswith("-") else ("", bare)
        if not _WORD.search(phrase):
            continue  # punctuation only: nothing the tokenizers would index
        if negated:
            excluded.append(phrase)
        elif join_next:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        join_next = False
    if not groups:
        reason = "only excluded words" if excluded else "no words"
        raise bad_request(f"q has {reason}: give at least one word to search for")
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded))


def _fts5_string(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def fts5_expression(query: ParsedQuery) -> str:
    """The FTS5 MATCH expression for a parsed query (groups ANDed, exclusions NOTed)."""
    groups = ["(" + " OR ".join(_fts5_string(p) for p in group) + ")" for group in query.groups]
    expression = " AND ".join(groups)
    for phrase in query.excluded:
        expression = f"({expression}) NOT {_fts5_string(phrase)}"
    return expression
