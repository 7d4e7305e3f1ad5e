"""A training step's program, learned once and checked op by op, so that the Recorder keeps
per step only what cannot be computed again, and runs the step again when someone looks.

A training loop runs the same ops at the same lines step after step. The Recorder records a
segment (the ops between two gradient calls: one step's updates, the next one's forward
pass and its kept backward pass) fully the first time it takes a path, and learns it here:
a tree of `Branch`es, one per op, keyed by `key_of` its `Op`, user line, phase and scope
(one branch per variant: the Huber loss's `if` takes either). A later segment that follows
a learned path (dispatch checks each op inline: same op, line, params, phase, scope,
taping, each input that an earlier op of the segment made is that very op's output, and
each variable read is the variable the program read there; an op it runs is not timed)
keeps only the values of its inputs from outside the segment (the batch, the variables'
values read, constants: arrays, which the cycle collector does not track, so a long run's
kept steps cost it nothing; their tensors are made again on a look), and the outputs of
random ops; `replayed` runs the
segment's ops again from those when someone looks: the same ops on the same values in the
same order, so the same outputs bitwise (the durations are those of the run again). An op
that cannot run again honestly (a forward that runs code not tapeviz's, params that cannot
be compared, an op someone else hears) leaves the path: that segment is recorded fully.
"""
from __future__ import annotations

from itertools import chain
from time import perf_counter

import numpy as np

from ..node import (INPUT_IDS, INPUTS, OP, OUTPUT, OUTPUT_ID, PARAMS, PHASE,
                    RECORD_WIDTH, SCOPE, SOURCE, TAPED, VALUE)
from ..python_numbers import LIMIT, MADE, from_python, let_go, note
from ..sourceinfo import runs_own_code_only
from ..tensor import Tensor
from ..variable import Variable, VariableRead
from .kept_pass import KEPT_PASS, pass_record
from .replayed_warnings import SaidAtTheirLines

_OWN_FORWARD: dict = {}   # Op -> whether its forward runs tapeviz's code alone
# params a branch can compare with `==` and get a bool: what most ops take
_COMPARABLE = (type(None), bool, int, float, str, np.dtype, type)
# producers below it: an output of the segment before (an update reading its step's forward
# output), LINKED - its distance from that segment's end; its value is kept as one from
# outside, and a step made of both parts shows the op that made it (linking.py)
LINKED = -(1 << 40)
# producers from it down: a gradient the segment's gradient call gave (`GIVEN - ` its position
# among them), kept from outside as -1's are, but checked as that very gradient (an update
# reading its step's forward output where its program read a gradient then leaves the program)
GIVEN = -(1 << 32)


def key_of(op, source, phase: str, scope: str) -> tuple:
    """A branch's key: its op, the id of its user line (interned per call site, and held by
    the branch: hashed in C, where the line's own hash is Python's), its phase and scope."""
    return op, id(source), phase, scope


class Branch(dict):
    """One op of a learned program: its `key_of` -> the Branch of the op after it.

    `outside`: which of its inputs' values are kept from outside the segment (a mask over
    them, truthy when anything is kept: () when nothing; None when the op cannot run again,
    which sends its segment to full recording); `producers`: the index in the segment of the
    op that made each input, -1 for a tensor from outside, a variable's code (`Sink.seeds`:
    -2 and below) for a variable or its read (dispatch checks the inputs' ids against it);
    `variables`: the variable at each input that is one or its read, else None; `reads`:
    whether each input is a variable's read (its value kept; `outside` may change later,
    a segment kept before may not); `python`: whether each was made from a Python number
    (python_numbers.py: made again so, the widget's "const");
    `only`: the one branch after it, when there is one (a loop's usual program: dispatch
    compares an op's op, line, phase and scope to its fields by identity, making no key);
    `last`: the branch after it tried first (the only one, else the one last found);
    `code`, `caller_code` and `signature`: what dispatch compares of a later op in one go,
    learned as its op is first found (call_site.learn_signature); `site`: the frames its
    op's line is checked by where the signature does not match (call_site.site_of);
    `one`: the index of the one input it keeps, when it keeps one, and `pair`: whether it
    keeps both of its two (dispatch appends them: no slice, no list.extend, C paths a plain
    loop never runs, for a loop's usual ops)."""

    __slots__ = ("parent", "depth", "op", "source", "params", "phase", "scope", "taped",
                 "outside", "kept", "producers", "variables", "reads", "python",
                 "keeps_output", "count", "splits", "only", "last", "site", "code", "caller_code",
                 "signature", "one", "pair")

    def __init__(self, parent=None, fields=None, producers=()):
        super().__init__()
        self.parent = parent
        self.depth = 0 if parent is None else parent.depth + 1
        self.splits: dict = {}   # the Recorder's state as the segment began -> its split
        self.outside = None
        self.kept = None   # the slice of its inputs `outside` keeps, when they are one run
        self.one, self.pair = None, False   # (its one input kept; its two inputs kept)
        self.only = self.last = None
        self.site = None   # the frames its op is called from (dispatch: call_site.site_of)
        # what dispatch compares of a later op in one go, once learned (call_site.py)
        self.code = self.caller_code = self.signature = None
        if fields is not None:
            self._learn(fields, producers)

    def _learn(self, fields, producers: tuple) -> None:
        """Take an op's record (`node.RECORD_FIELDS`) and the index in the segment of the op
        that made each input (-1: from outside; a variable's code: a variable or its read)."""
        op = fields[OP]
        self.op, self.source, self.params = op, fields[SOURCE], fields[PARAMS]
        self.phase, self.scope, self.taped = fields[PHASE], fields[SCOPE], bool(fields[TAPED])
        self.producers = producers
        inputs = fields[INPUTS]
        self.variables = tuple(_variable_of(tensor) for tensor in inputs)
        self.reads = tuple(type(tensor) is VariableRead for tensor in inputs)
        self.python = tuple(map(from_python, inputs))
        self.count = fields[VALUE] if op is KEPT_PASS else None
        self.keeps_output = getattr(op, "kind", None) == "random"
        if self._runs_again(fields):
            # a value kept for each tensor from outside and each variable's read (a variable
            # itself, a kept pass's source, is the program's)
            mask = tuple(made == -1 or made <= GIVEN or made < -1 and read
                         for made, read in zip(producers, self.reads))
            self.outside = mask if any(mask) or self.keeps_output and mask else ()
            self.kept = _run_of(mask)
            if not self.keeps_output:   # (a random op's output: dispatch_followed.keep_outside)
                self.one = mask.index(True) if sum(mask) == 1 else None
                self.pair = mask == (True, True)
            if self.keeps_output and not self.outside:
                self.outside = (False,)   # truthy: dispatch then keeps the output

    def _runs_again(self, fields) -> bool:
        """Whether running the op again gives what it gave (and does nothing else)."""
        op = fields[OP]
        if not all(type(value) in _COMPARABLE or _comparable_tuple(value)
                   for value in fields[PARAMS].values()):
            return False
        if not all(type(tensor) is Tensor or _variable_of(tensor) is not None
                   for tensor in fields[INPUTS]):
            return False   # (a tensor of another type would not be made again as itself)
        if op is KEPT_PASS or self.keeps_output:   # (a random op's output is kept, not made)
            return True
        own = _OWN_FORWARD.get(op)
        if own is None:
            own = _OWN_FORWARD[op] = runs_own_code_only(op.forward)
        return own

    def same_params(self, params: dict) -> bool:
        """Whether `params` are the branch's: each value of the type the learned one has
        (comparable: no array's elementwise `==` is asked for a truth value) and equal."""
        mine = self.params
        return mine.keys() == params.keys() and all(
            type(value) is type(mine[key]) and (type(value) is not tuple or
                                                _comparable_tuple(value)) and value == mine[key]
            for key, value in params.items())

    def agrees(self, fields, producers: tuple) -> bool:
        """Whether an op recorded fully at this branch ran as the branch says."""
        return (self.same_params(fields[PARAMS]) and self.phase == fields[PHASE]
                and self.scope == fields[SCOPE] and self.taped == bool(fields[TAPED])
                and self.producers == producers)

    def path(self) -> list:
        """The branches from the first op of the segment to this one."""
        path = []
        branch = self
        while branch.parent is not None:
            path.append(branch)
            branch = branch.parent
        path.reverse()
        return path

    __hash__ = object.__hash__   # (a dict's: none; a branch is a key of nothing but its id)

    def __eq__(self, other):
        return self is other


def _run_of(mask: tuple) -> slice | None:
    """The slice of the inputs a branch's `mask` keeps when they are one run (dispatch keeps
    them by slicing: a compress object an op costs ~4x a slice), else None. A whole tuple's
    slice is the tuple itself."""
    kept = [index for index, keep in enumerate(mask) if keep]
    if not kept:
        return slice(0, 0)
    if len(kept) == len(mask):
        return slice(None)
    return slice(kept[0], kept[-1] + 1) if kept[-1] - kept[0] + 1 == len(kept) else None


def _comparable_tuple(value) -> bool:
    return type(value) is tuple and all(type(item) in _COMPARABLE for item in value)


def learn(root: Branch, records: list, seeds: dict, variables: list, before=(),
          backs: set | None = None, given: tuple = ()) -> Branch:
    """Grow the tree from `root` by a segment's ops recorded fully (`records`, RECORD_FIELDS
    one after another); returns its last branch. A branch that an op of the same op and line
    reached and ran otherwise (other params, wiring, taping) is learned again in its place.
    Each variable an op reads (or a kept pass differentiates for) gets a code in `seeds`
    (id -> -2, -3, ...: what a segment's map of producers starts from, so dispatch's check
    of the producers checks the variable too), and is held in `variables` (its id stays its
    own). `before`: the outputs of the segment before (their link codes: LINKED); the
    distances back of those an op reads are added to `backs`; `given`: the gradients of the
    gradient call the segment began at (their codes: GIVEN)."""
    for tensor in chain.from_iterable(records[INPUTS::RECORD_WIDTH]):
        variable = _variable_of(tensor)
        if variable is not None and id(variable) not in seeds:
            seeds[id(variable)] = -2 - len(variables)
            variables.append(variable)
    made = dict(seeds)   # output id -> index in the segment of the op that made it
    given_codes(made, given)
    made.update(zip(map(id, before), range(LINKED - len(before), LINKED)))
    at = root
    for index, start in enumerate(range(0, len(records), RECORD_WIDTH)):
        fields = records[start:start + RECORD_WIDTH]
        producers = tuple(made.get(key, -1) for key in fields[INPUT_IDS])
        if backs is not None:
            backs.update(LINKED - producer for producer in producers if producer < LINKED)
        key = key_of(fields[OP], fields[SOURCE], fields[PHASE], fields[SCOPE])
        branch = at.get(key)
        if branch is None or branch.outside is not None and not branch.agrees(fields, producers):
            # (an op that ran otherwise than the program's, a second run's new variables:
            # learned in its place, followed from the next step; kept segments hold theirs)
            branch = at[key] = Branch(at, fields, producers)
            at.only = branch if len(at) == 1 else None
            at.last = branch   # (tried next: the only one, else the newest until one is found)
        made[fields[OUTPUT_ID]] = index
        at = branch
    return at


def given_codes(made: dict, given: tuple) -> None:
    """Map in `made` (a segment's map of producers) each gradient of `given` to its code,
    GIVEN - its position (a loop of the eval loop alone: a step's two or so, no C
    iterators a followed step would run for them)."""
    code = GIVEN
    for gradient in given:
        made[id(gradient)] = code
        code -= 1


def link_codes(before: list, backs: tuple) -> dict:
    """{id: link code} of the outputs of `before` (the segment before's, in order) that
    are `backs` (distances from its end) from its end: those a learned program reads (a
    segment's map of producers adds them, so such an input is checked as that one)."""
    count = len(before)
    return {id(before[count - back]): LINKED - back for back in backs if back <= count}


class Segment:
    """A segment that followed a learned path: its last branch, the values it kept from
    outside (in the order its ops read them: a tuple of arrays, untracked by the cycle
    collector) and the gradients of the gradient call it began at (`given`: the step
    before holds them); its records, made again on the first look."""

    __slots__ = ("end", "outside", "given", "_records")

    def __init__(self, end: Branch, outside: tuple, given: tuple = ()):
        self.end = end
        self.outside = outside
        self.given = given
        self._records = None

    def records(self) -> list:
        """Its ops' records (RECORD_FIELDS, one after another), run again once."""
        if self._records is None:
            self._records = replayed(self.end.path(), self.outside, given=self.given)
        return self._records


def replayed(path: list, outside, outs: list | None = None, given: tuple = (),
             before: list = ()) -> list:
    """The records of the ops of `path` (branches, in order) run again on the values kept
    from outside (`outside`, in the order they were kept); with `outs`, the outputs as they
    ran (a segment still open: only the durations are the run again's). A tensor from
    outside is made again once for each value (one tensor read twice is one tensor again),
    but for a gradient of `given` (the gradient call the segment began at), which is itself:
    the update that applies it reads the very tensor the step keeps as the gradient; a
    variable's read, each time, of the variable the program read there; an output of the
    segment before (LINKED), the very tensor among `before` (that segment's outputs, while
    the sink holds them) whose value was kept."""
    kept = iter(outside)
    made: list = []
    records: list = []
    said = SaidAtTheirLines()
    # id of a value kept from outside -> its tensor (made again, or a gradient given)
    again = {id(tensor._value): tensor for tensor in given if tensor is not None}
    for index, branch in enumerate(path):
        inputs = tuple(_input(branch, position, producer, made, kept, again, before)
                       for position, producer in enumerate(branch.producers))
        op, params = branch.op, branch.params
        duration = 0.0
        if op is KEPT_PASS:
            count = branch.count
            record = pass_record(inputs[:count], inputs[count:], branch.source, branch.scope)
            output = record[OUTPUT] if outs is None else outs[index]
            made.append(output)
            records += (*record[:OUTPUT_ID], id(output), *record[OUTPUT_ID + 1:OUTPUT], output)
            continue
        if branch.keeps_output:
            output = Tensor()
            output._value = next(kept)
        else:
            arrays = [tensor._value for tensor in inputs]
            said.branch, said.arrays = branch, arrays   # numpy's warnings: at its line
            started = perf_counter()
            with said:
                value = op.forward(*arrays, **params) if params else op.forward(*arrays)
            duration = perf_counter() - started
            if outs is None:
                output = Tensor()
                output._value = value
            else:
                output = outs[index]
        made.append(output)
        ids = tuple(id(tensor.variable) if type(tensor) is VariableRead else id(tensor)
                    for tensor in inputs)
        records += (None, branch.taped, duration, op, output._value, id(output), ids, params,
                    branch.phase, branch.scope, branch.source, inputs, output)
    return records


def _input(branch: Branch, position: int, producer: int, made: list, kept, again: dict,
           before: list):
    """Input `position` of `branch`'s op in a segment run again (see `replayed`)."""
    if producer >= 0:
        return made[producer]
    if GIVEN < producer < -1:
        variable = branch.variables[position]
        if not branch.reads[position]:
            return variable   # (a kept pass's source: the variable itself)
        read = VariableRead()
        read._value = next(kept)
        read.variable = variable
        return read
    value = next(kept)
    if producer < LINKED and len(before) >= LINKED - producer:
        tensor = before[len(before) - (LINKED - producer)]
        if tensor._value is value:
            return tensor
    tensor = again.get(id(value))
    if tensor is None:
        tensor = again[id(value)] = Tensor()
        tensor._value = value
        if branch.python[position]:   # (as convert.py notes it)
            note(tensor)
            if len(MADE) > LIMIT[0]:
                let_go()
    return tensor


def _variable_of(tensor):
    """The variable `tensor` is, or is a read of; else None."""
    if type(tensor) is VariableRead:
        return tensor.variable
    return tensor if isinstance(tensor, Variable) else None


__all__ = ["Branch", "GIVEN", "LINKED", "Segment", "given_codes", "key_of", "learn", "link_codes",
           "replayed"]
