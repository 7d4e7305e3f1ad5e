"""A kept backward pass (kept_pass.py) checked against the program a segment follows
(program.py), as dispatch checks each op: the pass is then one branch of the program, its
values from outside kept, its record made again on a look.
"""
from __future__ import annotations

from itertools import repeat
from operator import attrgetter, is_

from ..call_site import fixes_line, site_of, source_at
from ..dispatch_followed import follow_branch
from ..tensor import Tensor
from .kept_pass import KEPT_PASS
from .program import Branch, key_of

_value = attrgetter("_value")


def pass_follows(sink, nodes, targets: tuple, sources: tuple, frame, scope: str) -> bool:
    """Dispatch's inline check, for a kept backward pass (kept_pass.py) about to run, called
    from `frame`, in `scope` while the sink follows a program: if the program's next op is
    such a pass, its tape's `nodes` the segment's taped ops, every one (the step's own: in a
    segment the step begins at its first taped op), from as many targets, its targets and
    sources the tensors the program's were (made by the same ops, or from outside), the
    sink takes what it keeps and steps on; else False (the caller then leaves the path)."""
    at = sink.at
    inputs = (*targets, *sources)
    producers = tuple(map(sink.producer_of, map(id, inputs), repeat(-1)))
    caller = frame.f_back or frame
    branch = at.last   # (as dispatch finds an op's branch)
    # (its frames by identity, then one tuple: the pass's call_site.learn_signature)
    if branch is None or branch.code is not frame.f_code \
            or branch.caller_code is not caller.f_code or branch.signature != (
                KEPT_PASS, frame.f_lasti, caller.f_lasti, scope, len(targets), producers):
        branch = _kept_pass_branch(at, frame, scope, len(targets), producers)
        if branch is None:
            return False
    # (the sink's nodes are its followed taped ops', in order: the very nodes, the very
    # outputs at the program's taped positions)
    held = sink.nodes
    if len(held) != len(nodes) or not all(map(is_, nodes, held)):
        return False
    output = Tensor()
    output._value = len(targets)
    # (the values kept from outside, if any: a loop's pass reads its loss and variables)
    follow_branch(sink, branch, tuple(map(_value, inputs)) if branch.outside else (), output,
                  id(output))
    return True


def _kept_pass_branch(at: Branch, frame, scope: str, count: int, producers: tuple):
    """The branch after `at` of a kept pass called from `frame` (its line by the site or
    the walk, call_site.source_at) in `scope`, from `count` targets, its inputs made by
    `producers`, if the program has one; its signature learned as it is first found."""
    source = source_at(at, frame)
    branch = at.only
    if branch is None or branch.op is not KEPT_PASS or branch.source is not source \
            or branch.scope is not scope:
        branch = at.get(key_of(KEPT_PASS, source, "backward", scope))
    if branch is None or branch.outside is None or branch.count != count or branch.params \
            or branch.producers != producers:
        return None
    at.last = branch
    if branch.site is None:   # (as dispatch learns an op's)
        branch.site = site_of(frame, source)
        if fixes_line(frame, source):   # (its signature: call_site.learn_signature's)
            caller = frame.f_back or frame
            branch.code, branch.caller_code = frame.f_code, caller.f_code
            branch.signature = (KEPT_PASS, frame.f_lasti, caller.f_lasti, scope, count,
                                producers)
    return branch


__all__ = ["pass_follows"]
