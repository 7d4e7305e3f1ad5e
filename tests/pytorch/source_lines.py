"""What the torch tests ask of their own source: the line a statement is on, to compare with
the line a hit, an origin or a node names."""
from __future__ import annotations

import functools


def line_of(path: str, text: str) -> int:
    """The line number in `path` of the (unique) line that reads `text`, stripped."""
    with open(path) as source:
        found = [i for i, line in enumerate(source, 1) if line.strip() == text]
    assert len(found) == 1, found
    return found[0]


def lines_of(path: str):
    """`line_of` for one file: a test module's `_line_of = lines_of(__file__)`."""
    return functools.partial(line_of, path)
