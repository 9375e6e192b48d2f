"""qa.errors.first_line: one line describing an exception or a tool's error output."""

from __future__ import annotations

import pytest

from qa.errors import EngineError, first_line


def test_an_exception_gives_its_type_and_first_line():
    assert first_line(OSError("disk full\nwhile writing model.bin")) == "OSError: disk full"


def test_an_exception_without_a_message_gives_its_type():
    assert first_line(KeyboardInterrupt()) == "KeyboardInterrupt"
    assert first_line(EngineError("  \n ")) == "EngineError"


def test_a_text_gives_its_first_non_blank_line_without_a_type():
    assert first_line("\n   \n  Error: something broke  \nmore\n") == "Error: something broke"


def test_an_empty_text_says_there_was_no_message():
    assert first_line("") == "no error message"
    assert first_line(" \n\t\n") == "no error message"


def test_leading_blank_lines_of_an_exception_are_skipped():
    assert first_line(RuntimeError("\n\n  CUDA out of memory  \ndetails")) == "RuntimeError: CUDA out of memory"


@pytest.mark.parametrize("error", ["x" * 50, ValueError("x" * 50)])
def test_a_long_line_is_cut_to_the_limit_with_an_ellipsis(error):
    line = first_line(error, limit=20)
    assert len(line) == 20
    assert line.endswith("…")
    assert line[:-1] == str(first_line(error, limit=1000))[:19]


def test_a_line_of_exactly_the_limit_is_kept_whole():
    assert first_line("x" * 20, limit=20) == "x" * 20
    assert first_line("x" * 21, limit=20) == "x" * 19 + "…"
