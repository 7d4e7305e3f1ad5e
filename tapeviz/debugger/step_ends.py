"""Where a step ends among the ops after its gradient call: its updates, an evaluation, the next.

After a gradient call the ops that run before the next taped op wait in the step it ended;
each update op pulls those before it into that step, and ops of a layer that read a model's
trainable variable and update none, after the last update, are an evaluation (a step of
its own). The Recorder asks these as ops arrive (sorting.py) and once per learned segment
(`split_of`, kept in its program: program.py).
"""
from __future__ import annotations

from itertools import chain, compress, repeat
from operator import attrgetter, eq, not_

from ..node import INPUTS, OP, RECORD_WIDTH, SCOPE, TAPED
from ..variable import VariableRead

_kind = attrgetter("kind")


def evaluation_start(records: list) -> int:
    """The index of the first op of `records` (`node.RECORD_FIELDS`, one after another) run
    in a layer's scope that reads a model's variable and updates none, after the last
    update of a trainable variable (the model run after the step's updates: an evaluation;
    such a read before an update feeds it, as weight decay written by hand does), else
    their count."""
    width = RECORD_WIDTH
    updating = map(eq, map(_kind, records[OP::width]), repeat("update"))
    reads = map(type, chain.from_iterable(compress(records[INPUTS::width],
                                                   map(not_, updating))))
    if VariableRead in reads:   # (C loops: an optimizer's ops mostly read no variable)
        after = _after_last_trainable_update(records)
        for index, at in enumerate(range(after * width, len(records), width), after):
            if records[at + SCOPE] and reads_a_model_variable(records[at:at + width]):
                return index
    return len(records) // width


def _after_last_trainable_update(records: list) -> int:
    """The index after the last op of `records` that updates a trainable variable (its
    first input: the variable's read), else 0."""
    width = RECORD_WIDTH
    for index in range(len(records) // width - 1, -1, -1):
        at = index * width
        inputs = records[at + INPUTS]
        if records[at + OP].kind == "update" and inputs and \
                type(inputs[0]) is VariableRead and inputs[0].variable.trainable:
            return index + 1
    return 0


def reads_a_model_variable(records: list) -> bool:
    """Whether an op of `records` that updates nothing read a trainable Variable (an
    optimizer's own ops read its slots, which are not)."""
    width = RECORD_WIDTH
    return any(records[at + OP].kind != "update" and any(
        type(tensor) is VariableRead and tensor.variable.trainable
        for tensor in records[at + INPUTS]) for at in range(0, len(records), width))


def split_of(records: list) -> tuple | None:
    """(how many of a segment's first ops the step that ended before it takes, how many after
    those are an evaluation step of their own): what `_wait` and `_commit_update` do with a
    segment's records when the step before ended at a gradient call and takes updates (the
    rest start the next step); None if no op of the segment is taped."""
    first = bytes(records[TAPED::RECORD_WIDTH]).find(1)
    if first < 0:
        return None
    waiting = records[:first * RECORD_WIDTH]
    ops = waiting[OP::RECORD_WIDTH]
    pulling = evaluation_start(waiting) if any(waiting[SCOPE::RECORD_WIDTH]) else len(ops)
    taken = next((index + 1 for index in range(pulling - 1, -1, -1)
                  if ops[index].kind == "update"), 0)
    tail = waiting[taken * RECORD_WIDTH:]
    return taken, (first - taken if tail and reads_a_model_variable(tail) else 0)


__all__ = ["evaluation_start", "reads_a_model_variable", "split_of"]
