"""An op's user line checked without the walk: the frames it was called from compared with
those a learned op was called from (dispatch_followed.py's sunk and taped paths, for an op
that follows a Recorder's program, debugger/program.py).

`sourceinfo.source_from` walks from dispatch's caller up past tapeviz's frames to the user's
and looks its line up by (code, instruction): on the lecture's loop, nine taped ops, four
update ops and a kept backward pass a step (the site test in the walk's place on the seven
taped ops called through a tapeviz operator: 612.5k -> 599.7k instructions a step; an op
called from the user's frame itself, `tf.abs(t)`, still walks). A loop calls the same
line through the same tapeviz function every step, so a branch of the program keeps those
frames' code objects and instruction (`site_of`), and a later op called through frames with the very
same codes, at the same instruction, is at the very same line: the one the walk found when
the site was learned (the walk passes a frame by its code's file alone, so equal codes are
walked alike; a package excluded from the walk later, `sourceinfo.exclude_package`, is the
torch adapter's, at its import, whose frames no tapeviz update is called from).
"""
from __future__ import annotations

from .sourceinfo import source_from, user_frame


def site_of(frame, source):
    """(the code of `frame`, dispatch's caller, the code of its caller and its instruction)
    when `frame` is tapeviz's and its caller is the user's line `source` (the usual update:
    `0.001 * dw`, `w.assign_sub(...)`); False for a site the walk must pass more frames of."""
    user = user_frame(frame)
    if user is None or user is not frame.f_back or source_from(frame) is not source:
        return False
    return frame.f_code, user.f_code, user.f_lasti


def source_at(at, frame):
    """The user line of an op (a kept backward pass) called from `frame` that would follow
    branch `at`: the line of the branch tried after it, if `frame` and its caller are that
    branch's site (dispatch's sunk path does the same inline), else the walk's."""
    tried = at.last   # (the branch after it tried next: program.Branch)
    site = tried is not None and tried.site
    if site and frame.f_code is site[0] and (user := frame.f_back).f_code is site[1] \
            and user.f_lasti == site[2]:
        return tried.source
    return source_from(frame)


def learn_signature(branch, op, frame, source, state, producers: tuple) -> None:
    """Learn, as `branch`'s op is first found at user line `source`, called from `frame`
    (dispatch's caller) on the thread of `state` with inputs made by `producers`, what
    dispatch then compares of a later op in one go: the codes of that frame and its caller
    (`code`, `caller_code`, by identity) and the rest as one tuple, `signature` (op, the
    two frames' instructions, phase, scope, the line the thread shares and its origin,
    producers). A later op so called is at the very same line (the walk passes equal frames
    alike and ends at the first or, when the first is tapeviz's, the second). While the
    thread shares a line (an optimizer's update: `frame` None), that line is the op's and
    no frame is compared. False where those two frames do not fix the line (the user's
    frame further up, a backward pass's origin): such an op is found by its site or the
    walk."""
    branch.code = branch.caller_code = None
    branch.signature = False
    shared = state.source
    if state.origin is not None:
        return
    if shared is not None:
        if shared is source:
            branch.signature = (op, None, None, state.phase, state.scope, shared, None,
                                producers)
        return
    if not fixes_line(frame, source):
        return
    caller = frame.f_back or frame   # (as dispatch reads them)
    branch.code, branch.caller_code = frame.f_code, caller.f_code
    branch.signature = (op, frame.f_lasti, caller.f_lasti, state.phase, state.scope, None,
                        None, producers)


def fixes_line(frame, source) -> bool:
    """Whether `frame` (dispatch's caller) and its caller fix the user line `source` the
    walk finds from it: the user's frame is one of them."""
    user = user_frame(frame)
    return user is not None and (user is frame or user is frame.f_back) \
        and source_from(frame) is source


__all__ = ["site_of", "source_at", "learn_signature", "fixes_line"]
