"""An update reading its step's forward output, shown as the op that made it in a step run
again (program.LINKED).

Segments end at gradient calls, so a step's updates run in the segment after its forward
pass, and a followed segment keeps such an input's value as one from outside. A step made
of both parts (its forward, then its updates, each run again apart) links them here, as a
full recording shows them: the input is the output of that op among the step's records
before its updates, where that output has the very bits kept.
"""
from __future__ import annotations

import numpy as np

from ..node import INPUT_IDS, INPUTS, NODE, OP, OUTPUT, RECORD_WIDTH
from .kept_pass import KEPT_PASS
from .program import LINKED


def link(part: list, earlier: list, path: list) -> None:
    """In `part` (the records of `path`'s first ops: a step's updates, run again apart from
    its forward), make each input linked to the segment before (LINKED) the output of that
    op among `earlier` (the step's records before the part: that segment's last ops), as a
    full recording shows it."""
    for index, branch in enumerate(path):
        for position, producer in enumerate(branch.producers):
            if producer < LINKED:
                _link_input(part, index * RECORD_WIDTH, position, earlier, LINKED - producer)


def link_outputs(records: list, earlier: list, before: list) -> None:
    """As `link`, for `records` made as they ran (a segment that left its program, or
    recorded fully) whose inputs are outputs of `before` (the segment before's, in order),
    added to a step whose `earlier` records were run again: each such input is the output of
    that op among them."""
    back = {id(tensor): len(before) - index for index, tensor in enumerate(before)}
    for start in range(0, len(records), RECORD_WIDTH):
        if records[start + NODE] is None:   # (a node made already keeps its inputs)
            for position, tensor in enumerate(records[start + INPUTS]):
                if id(tensor) in back:
                    _link_input(records, start, position, earlier, back[id(tensor)])


def _link_input(records: list, start: int, position: int, earlier: list, back: int) -> None:
    """Input `position` of the record at `start` becomes the output of the record `back`
    from the end of `earlier`, when that has the very bits it was given (else it is left as
    from outside: not the op the program saw there)."""
    at = len(earlier) - back * RECORD_WIDTH
    if at < 0 or earlier[at + OP] is KEPT_PASS:
        return
    inputs = records[start + INPUTS]
    output, given = earlier[at + OUTPUT], inputs[position]
    value, kept = output._value, given._value
    if output is given or type(value) is not type(kept) or np.shape(value) != np.shape(kept) \
            or np.asarray(value).tobytes() != np.asarray(kept).tobytes():
        return
    records[start + INPUTS] = (*inputs[:position], output, *inputs[position + 1:])
    ids = records[start + INPUT_IDS]
    records[start + INPUT_IDS] = (*ids[:position], id(output), *ids[position + 1:])


__all__ = ["link", "link_outputs"]
