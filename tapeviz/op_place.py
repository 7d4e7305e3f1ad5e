"""An op's place on its tape in a student's words, one wording for every message, alert,
error note and the inspector: counted from 1 as the widget's title counts the ops, so a
message's 'op 8 of the tape' is the inspector's 'op 8 of 10 on the tape', and a Recorder's
alert's 'op 2 of step 3' its 'op 2 of 11 in step 3'."""
from __future__ import annotations


def op_place(index: int, total: int | None = None, of: str = "the tape") -> str:
    """The op at 0-based `index`, 'op 8 of the tape'; with the `total`, 'op 8 of 10 on
    the tape'; `of` names what holds it ('step 3' for an op of a Recorder's third step).

    >>> op_place(7), op_place(7, 10), op_place(1, of="step 3"), op_place(1, 11, of="step 3")
    ('op 8 of the tape', 'op 8 of 10 on the tape', 'op 2 of step 3', 'op 2 of 11 in step 3')
    """
    if total is None:
        return f"op {index + 1} of {of}"
    return f"op {index + 1} of {total} {'on' if of == 'the tape' else 'in'} {of}"
