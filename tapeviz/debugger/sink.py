"""The list a Recorder keeps on the thread it records, which dispatch extends with each op's record.

Dispatch adds each op's record (`node.RECORD_FIELDS`, one after another) to the thread's
sink and the backward pass writes the upstream gradients beside it, with no call into the
Recorder; while a segment follows a learned program (program.py) the sink holds what a run
again needs instead (the values from outside, the outputs by id) and records the ops fully
from where the segment leaves it.
"""
from __future__ import annotations

from itertools import chain

from ..node import NODE, OUTPUT, RECORD_WIDTH, TAPED
from ..threadstate import thread_state
from .program import Branch, given_codes, link_codes, replayed

MIN_CHECK_GAP, MAX_CHECK_GAP = 8, 4096   # ops between counts of the step in progress


class Sink(list):
    """The ops a Recorder was given and has not sorted into steps yet, their records
    (`node.RECORD_FIELDS`) one after another, in the order they ran; dispatch extends it
    directly. `upstream`: the gradients the backward pass wrote, by the id of the output they
    reached; dispatch calls `full()` when the list reaches `check_at` items (time to count
    the step in progress); the backward pass asks `keeps(backward, frame)` whether the
    Recorder keeps it as one record (kept_pass.py: its ops then go unrecorded) and calls
    `failed(backward)` if such a pass raises; `raised(error)` when the step in progress
    raised out of its tape, op or gradient call (threadstate.step_raised); another engine's
    pass that it alone hears gives its steps, in the order they ran, to `stepped(steps)` as
    it ends (the torch adapter's); `every_op`: whether dispatch gives it every op, heard or
    not (a Recorder's sink takes those only it hears).

    While a segment follows its learned program (program.py), `at` is the branch of its
    last op (None while ops are recorded fully): dispatch then checks each op against the
    branches after it and adds no record, only the op's output to `outs` (held while the
    segment runs: its id names it alone; `made`: its index there by that id, begun from
    `seeds`, the codes of the variables the programs read) and the values of its inputs
    from outside to `outside`, and a taped op's node to `nodes`; `given`: the gradients of
    the gradient call it began at (made again as themselves: see `program.replayed`);
    `before`: the outputs of the segment before it (held while it runs, so their ids name
    them alone: `made` maps those a program reads, `backs` from its end, to their link
    codes, program.LINKED, so an update reading its step's forward output is checked as
    one); an op that leaves the program calls `leave()`, which records the ops so far
    fully. `follows`: while another engine's segment follows its own program (the torch
    adapter's kept steps), the function that records its calls so far fully: a look on the
    recording thread calls it, as it calls `leave()`."""

    __slots__ = ("upstream", "check_at", "full", "keeps", "failed", "raised", "stepped",
                 "every_op",
                 "root", "at", "outs", "made", "producer_of", "outside", "whole", "learned",
                 "nodes", "seeds", "variables", "given", "before", "backs", "follows")

    def __init__(self):
        super().__init__()
        self.upstream: dict = {}
        self.check_at = MIN_CHECK_GAP * RECORD_WIDTH
        # set while it is a thread's sink (a cycle through the Recorder)
        self.full = self.keeps = self.failed = self.raised = self.stepped = None
        self.every_op = False
        self.root = Branch()   # the programs learned
        self.at = None
        self.outs: list = []
        self.made: dict = {}
        self.producer_of = self.made.get   # (dispatch's check per op: no bound method made)
        self.outside: list = []
        self.whole = False    # whether the records hold the whole segment so far
        self.learned = 0      # ops learned into the programs so far
        self.nodes: list = []
        self.seeds: dict = {}       # id of a variable the programs read -> its code
        self.variables: list = []   # those variables (held: their ids stay theirs)
        self.given: tuple = ()
        self.before: list = []
        self.backs: tuple = ()   # the distances back (from `before`'s end) programs read
        self.follows = None

    def begin(self) -> None:
        """A segment begins (after one whose ops made `before`): follow the programs
        learned."""
        self.at, self.outs, self.outside, self.whole = self.root, [], [], True
        self.made = made = self.seeds.copy()
        self.producer_of = made.get
        given_codes(made, self.given)   # (an update's gradient checked as that very one)
        if self.backs:   # (a loop whose updates read none: nothing a step)
            made.update(link_codes(self.before, self.backs))
        self.nodes = []

    def leave(self, nodes=()) -> None:
        """The segment leaves its program (or someone looks while it runs): the ops it ran
        so far are recorded fully, their outputs as they ran (their durations those of a run
        again); `nodes`: the taped ones' nodes, if a tape that is not recording holds them
        (those dispatch followed are held: a kept pass after them is then kept as usual)."""
        at, self.at = self.at, None
        if at is None or not self.outs:
            return
        records = replayed(at.path(), self.outside, self.outs, self.given, self.before)
        made = {id(node.output): node for node in
                chain(chain.from_iterable(tape.nodes for tape in thread_state().tapes), nodes,
                      self.nodes)}
        for start in range(0, len(records), RECORD_WIDTH):
            if records[start + TAPED]:
                records[start + NODE] = made.get(id(records[start + OUTPUT]))
        self[:0] = records
        self.outs, self.made, self.outside, self.nodes = [], {}, [], []
        self.producer_of = self.made.get


__all__ = ["Sink", "MIN_CHECK_GAP", "MAX_CHECK_GAP"]
