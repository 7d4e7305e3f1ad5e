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


def shown_path(path) -> str:
    """`path` as tapeviz's messages show it: relative to the working directory when shorter."""
    return min(os.path.relpath(path), str(path), key=len)
