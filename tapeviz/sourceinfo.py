"""Find the user's frame cheaply: the first caller outside the tapeviz package.

Used by dispatch (only when someone records) and by error messages. Walking
`sys._getframe` with a per-code-object cache costs well under a microsecond;
`traceback.extract_stack` costs ~10 us and is never used on the hot path.
"""
from __future__ import annotations

import linecache
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_is_own_code: dict = {}


def _own(code) -> bool:
    own = _is_own_code.get(code)
    if own is None:
        own = _is_own_code[code] = code.co_filename.startswith(_PACKAGE_DIR)
    return own


class SourceInfo:
    """Where in user code an op was called: file, line and function."""

    __slots__ = ("filename", "lineno", "function")

    def __init__(self, filename: str, lineno: int, function: str):
        self.filename = filename
        self.lineno = lineno
        self.function = function

    @property
    def line(self) -> str:
        """The source text of the line, stripped ('' when the file is not readable)."""
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno} in {self.function}"

    def __repr__(self) -> str:
        return f"SourceInfo({self.filename!r}, {self.lineno}, {self.function!r})"

    def __eq__(self, other) -> bool:
        return (isinstance(other, SourceInfo) and self.filename == other.filename
                and self.lineno == other.lineno and self.function == other.function)

    def __hash__(self) -> int:
        return hash((self.filename, self.lineno, self.function))


def user_frame(depth: int = 1):
    """The innermost frame, starting `depth` frames up, whose code is not tapeviz's."""
    frame = sys._getframe(depth)
    while frame is not None:
        own = _is_own_code.get(frame.f_code)
        if own is None:
            own = _own(frame.f_code)
        if not own:
            return frame
        frame = frame.f_back
    return None


def user_source(depth: int = 2) -> SourceInfo | None:
    """SourceInfo of the user's frame (None when the whole stack is tapeviz's own)."""
    frame = user_frame(depth)
    if frame is None:
        return None
    code = frame.f_code
    return SourceInfo(code.co_filename, frame.f_lineno, code.co_name)
