"""moltnet.gocompat: the Go rules other modules call by neutral names give Go's answers."""

from __future__ import annotations

import errno

import pytest

from moltnet.gocompat import quote
from moltnet.gocompat.errors import os_cause, path_error
from moltnet.gocompat.jsondecode import JsonError, loads_one, match_fields
from moltnet.gocompat.numbers import atoi, parse_int
from moltnet.gocompat.times import rfc3339_nano


@pytest.mark.parametrize(("text", "value"), [("10", 10), ("+7", 7), ("-3", -3), ("007", 7),
                                             ("9223372036854775807", (1 << 63) - 1)])
def test_atoi_reads_what_go_reads(text, value):
    assert atoi(text) == value


@pytest.mark.parametrize("text", ["", " 1", "1_000", "0x10", "1.5", "٣", "9223372036854775808", "+"])
def test_atoi_refuses_what_go_refuses(text):
    with pytest.raises(ValueError):
        atoi(text)


def test_parse_int_takes_go_prefixes_and_atoi_does_not():
    assert parse_int("0x1f") == 31 and parse_int("0o17") == 15 and parse_int("1_000") == 1000
    with pytest.raises(ValueError):
        atoi("0x1f")


def test_quote_escapes_like_strconv_quote():
    assert quote('a "b"\n\x01é') == '"a \\"b\\"\\n\\x01é"'


def test_os_error_texts_are_gos():
    exc = FileNotFoundError(errno.ENOENT, "No such file or directory")
    assert os_cause(exc) == "no such file or directory"
    assert path_error("stat", "Moltnet", exc) == "stat Moltnet: no such file or directory"


def test_rfc3339_nano_trims_trailing_zeros():
    assert rfc3339_nano(0) == "1970-01-01T00:00:00Z"
    assert rfc3339_nano(1.5) == "1970-01-01T00:00:01.5Z"


def test_json_fields_match_exactly_else_case_insensitively_and_the_last_wins():
    pairs = [("OP", "a"), ("op", "b"), ("Version", "v"), ("other", 1)]
    assert match_fields(pairs, ("op", "version")) == {"op": "b", "version": "v"}


def test_loads_one_refuses_a_second_value_and_nan_with_gos_words():
    assert loads_one(b' {"a": 1} \n') == {"a": 1}
    with pytest.raises(JsonError, match="expected a single JSON object"):
        loads_one(b'{"a": 1} {}')
    with pytest.raises(JsonError, match="invalid character 'N'"):
        loads_one(b"NaN")
