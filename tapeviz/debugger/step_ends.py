"""Where a step ends among the ops after its gradient call: its updates, an evaluation, the next.

After a gradient call the ops that run before the next taped op wait in the step it ended;
each update op pulls those before it into that step (not a value put back, a trainable
variable's assign of a value no op made after the step's update of it: EarlyStopping's
restore; nor a set, another variable's assign of a value no op made: a metric's reset at an
epoch's start, which begins the next step); the ops after the last one that read what the
step's updates wrote are its own too (a metric's result: fit's logs); ops of a layer that
read a model's trainable variable and update none, after the last update, are an evaluation
(a step of its own). The Recorder asks these as ops arrive (sorting.py) and once per learned
segment (`split_of`, kept in its program: program.py).
"""
from __future__ import annotations

from itertools import chain, compress, repeat
from operator import attrgetter, eq, not_

from ..node import INPUT_IDS, INPUTS, OP, OUTPUT_ID, RECORD_WIDTH, SCOPE, TAPED
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
                type(inputs[0]) is VariableRead and inputs[0].variable.trainable \
                and not is_put_back(records, at):
            return index + 1
    return 0


def is_put_back(records: list, at: int) -> bool:
    """Whether the op at `records[at]`, an update, assigns a trainable variable a value no op
    of `records` made after an update of `records` changed it (set_weights, EarlyStopping's
    restore of the best weights): no training step's update, as a first one from numpy is."""
    inputs = records[at + INPUTS]
    if records[at + OP].name != "assign" or not inputs[0].variable.trainable \
            or records[at + INPUT_IDS][1] in records[OUTPUT_ID:at:RECORD_WIDTH]:
        return False
    variable = inputs[0].variable
    return any(kind == "update" and type(read[0]) is VariableRead and read[0].variable is variable
               for kind, read in zip(map(_kind, records[OP:at:RECORD_WIDTH]),
                                     records[INPUTS:at:RECORD_WIDTH]))


def puts_back(records: list, start: int) -> bool:
    """Whether an op of `records` from op `start` on is a value put back (`is_put_back`):
    EarlyStopping's restore, set_weights."""
    return any(is_put_back(records, at) for at in range(start * RECORD_WIDTH, len(records),
                                                        RECORD_WIDTH))


def is_set(records: list, at: int) -> bool:
    """Whether the op at `records[at]`, an update, assigns a variable no optimizer trains a
    value no op of `records` made: a metric's reset_state (fit's at each epoch's start,
    evaluate's at its own), a learning rate a callback sets. Work for the ops after it, as
    a Keras user reads an epoch's start: never a step's update, it pulls no op into the step
    that ended."""
    inputs = records[at + INPUTS]
    return records[at + OP].name == "assign" and len(inputs) == 2 \
        and type(inputs[0]) is VariableRead and not inputs[0].variable.trainable \
        and records[at + INPUT_IDS][1] not in records[OUTPUT_ID:at:RECORD_WIDTH]


def trailing_sets(records: list) -> int:
    """How many of the last ops of `records` are sets (`is_set`): after an evaluation, the
    next epoch's metric resets, which begin the next step."""
    width = RECORD_WIDTH
    count = 0
    for at in range(len(records) - width, -1, -width):
        if records[at + OP].kind != "update" or not is_set(records, at):
            break
        count += 1
    return count


def is_layer_state(records: list, at: int, layers: set | None = None) -> bool:
    """Whether the op at `records[at]`, an update, writes a variable no optimizer trains in
    the scope of a layer the tape recorded ops of (`layers`: `taped_scopes(records)`, made
    here if not given): BatchNormalization's moving mean, in its forward, the work of the
    step whose batch it read, never an update of the step that ended before it."""
    inputs = records[at + INPUTS]
    scope = records[at + SCOPE]
    if not scope or not inputs or type(inputs[0]) is not VariableRead \
            or inputs[0].variable.trainable:
        return False
    return scope in (taped_scopes(records) if layers is None else layers)


def taped_scopes(records: list) -> set:
    """The scopes of the taped ops of `records`: layers of the model the tape recorded."""
    return set(compress(records[SCOPE::RECORD_WIDTH], records[TAPED::RECORD_WIDTH]))


def is_step_update(records: list, at: int) -> bool:
    """Whether the op at `records[at]`, an update, is a training step's: the ops before it
    (those after the step's gradient call) are that step's. Not a value put back, nor a
    layer's own state, nor a set for the steps after it."""
    return not is_put_back(records, at) and not is_layer_state(records, at) \
        and not is_set(records, at)


def results_read(records: list, start: int, updating: list, unseen: bool = False) -> int:
    """How many ops of `records` from op `start` on (those after a step's last update) read
    what an update among `updating` (records) wrote to a variable no optimizer trains,
    directly or through one another: a metric's result after its update_state (fit's logs),
    the step's own; up to a set (`is_set`: the metric's reset). `unseen`: the step's forward
    pass, its metrics' updates, ran before the Recorder started: any variable no optimizer
    trains counts as updated."""
    width = RECORD_WIDTH
    at = start * width
    if at >= len(records) or not any(type(tensor) is VariableRead and not
                                     tensor.variable.trainable for tensor in records[at + INPUTS]):
        return 0   # (a plain loop's next batch: one look)
    layers = taped_scopes(updating)
    updated = {id(updating[at + INPUTS][0].variable) for at in range(0, len(updating), width)
               if updating[at + OP].kind == "update"
               and type(updating[at + INPUTS][0]) is VariableRead
               and not updating[at + INPUTS][0].variable.trainable
               and not is_layer_state(updating, at, layers)}
    made: set = set()
    read = 0
    for index in range(at, len(records), width):
        if records[index + OP].kind == "update" and is_set(records, index):
            break
        if made.isdisjoint(records[index + INPUT_IDS]) and not any(
                type(tensor) is VariableRead and (id(tensor.variable) in updated or unseen
                                                  and not tensor.variable.trainable)
                for tensor in records[index + INPUTS]):
            break
        made.add(records[index + OUTPUT_ID])
        read += 1
    return read


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
    rest start the next step: an evaluation's trailing sets too); None if no op of the
    segment is taped."""
    first = bytes(records[TAPED::RECORD_WIDTH]).find(1)
    if first < 0:
        return None
    waiting = records[:first * RECORD_WIDTH]
    ops = waiting[OP::RECORD_WIDTH]
    pulling = evaluation_start(waiting) if any(waiting[SCOPE::RECORD_WIDTH]) else len(ops)
    taken = next((index + 1 for index in range(pulling - 1, -1, -1)
                  if ops[index].kind == "update"
                  and is_step_update(records, index * RECORD_WIDTH)), 0)
    # (the loss metric's update runs in the forward: the segment's, as in the step before's)
    taken += min(results_read(records, taken, records), first - taken)
    tail = waiting[taken * RECORD_WIDTH:]
    if not tail or not reads_a_model_variable(tail):
        return taken, 0
    return taken, first - taken - trailing_sets(tail)


__all__ = ["evaluation_start", "is_layer_state", "is_put_back", "is_set", "is_step_update",
           "puts_back", "reads_a_model_variable", "results_read", "split_of", "taped_scopes",
           "trailing_sets"]
