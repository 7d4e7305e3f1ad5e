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
    tried = at.last if at.only is None else at.only   # (an empty Branch is falsy)
    site = tried is not None and tried.site
    if site and frame.f_code is site[0] and (user := frame.f_back).f_code is site[1] \
            and user.f_lasti == site[2]:
        return tried.source
    return source_from(frame)


__all__ = ["site_of", "source_at"]
