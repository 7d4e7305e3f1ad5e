"""Helpers for tests of errors that must name the user's own line (the test's line here)."""
import os
import sys

import pytest


def raised(exc_type, call):
    """Run `call` (a one-line lambda) expecting `exc_type`; return the error and its line."""
    line = sys._getframe(1).f_lineno
    with pytest.raises(exc_type) as info:
        call()
    return info.value, line


def assert_names_this_line(err, line):
    """`err` names the calling test file's `line`, as the user's shell shows the path."""
    path = sys._getframe(1).f_globals["__file__"]
    assert err.source is not None
    assert (err.source.filename, err.source.lineno) == (path, line)
    assert f"at {shown_path(path)}:{line}" in str(err)


def assert_said_at_its_line(error, mistake, words):
    """`error` (with its hint) says each of `words` and names the line `mistake` (a one-line
    lambda) was written at."""
    text = str(error).split("\n  at ")[0] + f" hint: {getattr(error, 'hint', '')}"
    assert all(word in text for word in words), (words, str(error))
    path, line = mistake.__code__.co_filename, mistake.__code__.co_firstlineno
    assert (error.source.filename, error.source.lineno) == (path, line), str(error)
    assert f"at {shown_path(path)}:{line}" in str(error)


def shown_path(path) -> str:
    """`path` as tapeviz's messages show it: relative to the working directory when shorter."""
    return min(os.path.relpath(path), str(path), key=len)
