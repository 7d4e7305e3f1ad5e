"""An op's place on its tape in a student's words, one wording for every message, alert,
error note and the inspector: counted from 1 as the widget's title counts the ops, so a
message's 'op 8 of the tape' is the inspector's 'op 8 of 10 on the tape'."""
from __future__ import annotations


def op_place(index: int, total: int | None = None, of: str = "the tape") -> str:
    """The op at 0-based `index`, 'op 8 of the tape'; with the `total`, 'op 8 of 10 on
    the tape'; `of` names what holds it ('its step' for a recorded step's op).

    >>> op_place(7), op_place(7, 10), op_place(2, of="its step")
    ('op 8 of the tape', 'op 8 of 10 on the tape', 'op 3 of its step')
    """
    if total is None:
        return f"op {index + 1} of {of}"
    return f"op {index + 1} of {total} on {of}"
