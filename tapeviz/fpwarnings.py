"""Warnings said from the user's line: numpy's floating-point RuntimeWarnings ("divide by
zero encountered in log") naming the op instead of pointing inside tapeviz, and tapeviz's
own warnings (`warn_from_user_line`).

numpy warns from the Python frame that called the ufunc, which is tapeviz's dispatch (or an
op's forward). Wrapping every op in `np.errstate` would cost ~0.1 us an op, a sixth of a
fast one, so dispatch is left alone and the warnings module is asked instead, only when a
warning is about to be shown: `warnings._showwarnmsg` (the hook the module invites
replacing, and the one `catch_warnings(record=True)` and `pytest.warns` still call) gets a
RuntimeWarning raised under a dispatch and warns again from the user's line, so filters,
"once per line" and recorders see the user's line. Under an "error" filter numpy raises
instead, and dispatch re-raises through `as_error`.
"""
from __future__ import annotations

import linecache
import os
import sys
import warnings

import numpy as np

from .nonfinite import SPREAD, in_pass, nonfinite_counts, reason
from . import events, sourceinfo
from .sourceinfo import _PACKAGE_DIR, user_frame
from .tensor import Tensor
from .variable import Variable
from .threadstate import local

_NUMPY_DIR = os.path.dirname(np.__file__) + os.sep


def _text(op, arrays, message, args) -> str:
    """`log: divide by zero encountered in log; 1 of 4 inputs were 0 (log(0) = -inf)`."""
    phase = f" ({in_pass('backward')})" if local.state.phase == "backward" else ""
    why = reason(op.name, arrays or (), arrived=_arrived(arrays or (), args))
    return f"{op.name}{phase}: {message}" + (f"; {why}" if why else "")


def _arrived(arrays, args) -> str:
    """Where the NaN/Inf the op's first non-finite input holds came from, in the words of a
    NaN origin's entry (`debugger/nan_entry.py`): a value that is not a tensor is in the data,
    a variable's is in its value; a tensor no recording tape made came from outside the tape,
    the data for a NaN origin; with no tape, an earlier op or the data (either can be)."""
    from .debugger.nan_entry import OUTSIDE   # the debugger's words: only when one warns
    from .debugger.variable_names import shown_name
    data = OUTSIDE["tf"]
    either = f"{SPREAD} or is in {data}"
    position = next((i for i, x in enumerate(arrays) if any(nonfinite_counts(np.asarray(x)))),
                    None)
    if position is None or args is None or len(args) != len(arrays):
        return either   # the op's arguments not at hand: either can be
    value = args[position]
    if isinstance(value, Variable):
        return f"it is in the value of the variable '{shown_name(value)}'"
    if not isinstance(value, Tensor):
        return f"it is in {data}"
    tapes = local.state.tapes
    if not tapes:
        return either
    made = any(node.output_id == id(value) for tape in tapes for node in tape.nodes)
    return SPREAD if made else f"it is in {data}"


def as_error(op, arrays, warning: RuntimeWarning, args) -> RuntimeWarning:
    """The RuntimeWarning to raise when an "error" filter made numpy raise `warning` in `op`
    (given `args`, as dispatch got them)."""
    return RuntimeWarning(_text(op, arrays, warning, args))


def warn_from_user_line(text: str, category=UserWarning, frame=None) -> None:
    """Warn `text` from the user's line (above `frame`, default: the caller's), so filters,
    "once per line" and recorders see that line, not tapeviz's; a notebook cell's by its
    name (`Cell In[12]:4: RuntimeWarning: ...`), not by the temporary file it runs from."""
    user = user_frame(frame if frame is not None else sys._getframe(1))
    if user is None:
        warnings.warn(text, category, stacklevel=2)
        return
    namespace = user.f_globals
    warnings.warn_explicit(text, category, _file_named(user.f_code.co_filename), user.f_lineno,
                           module=namespace.get("__name__", "__main__"),
                           registry=namespace.setdefault("__warningregistry__", {}))


def _file_named(filename: str) -> str:
    """`Cell In[12]` for a notebook cell's file, its lines kept in linecache under that name
    too (the shown warning quotes the line), else `filename`."""
    cell = sourceinfo._cell_name(filename)
    if cell is None:
        return filename
    if filename in linecache.cache:
        linecache.cache.setdefault(cell, linecache.cache[filename])
    return cell


def _dispatch_frames(frame):
    """(op, its input arrays, dispatch's frame) when `frame` runs inside an op's forward,
    or None (a warning from a subscriber that dispatch called keeps its own line)."""
    from .dispatch import TRACED_CODES
    callee = None
    while frame is not None and frame.f_code not in TRACED_CODES:
        callee, frame = frame, frame.f_back
    if frame is None:
        return None
    op, arrays = frame.f_locals.get("op"), frame.f_locals.get("arrays")
    if callee is not None and callee.f_code is not getattr(getattr(op, "forward", None),
                                                           "__code__", None) \
            and not callee.f_code.co_filename.startswith(_NUMPY_DIR):
        return None
    return None if op is None else (op, arrays, frame)


def _forget(frame, msg) -> None:
    """Drop the "already shown" mark the warning left at tapeviz's line, so the same warning
    from another user line is shown too (the user's line keeps its own mark)."""
    registry = frame.f_globals.get("__warningregistry__")
    if registry:
        text = str(msg.message)
        registry.pop((text, msg.category, msg.lineno), None)
        registry.pop((text, msg.category, 0), None)


def _said_by_check_numerics(arrays) -> bool:
    """Whether enable_check_numerics is on for an op of floats: the NaN/Inf numpy warns of
    comes out of the op, and the check raises there next with the same line and reason (a
    value the op made and dropped is not a NaN the user gets)."""
    from .debugger.numerics import check_op   # the debugger's: only when one warns
    return check_op in events.subscribers() and any(
        np.asarray(a).dtype.kind in "fc" for a in arrays or ())


_SAID_FROM_USER_LINE: tuple[str, ...] = ()


def say_from_user_line(directory: str) -> None:
    """Warn again from the user's line every warning whose line is in `directory`: an
    adapter's (tapeviz/torch), whose library warns from the frame that called it, the
    adapter's handler. One hook for all, so the frame a warning came from stays known."""
    global _SAID_FROM_USER_LINE
    if directory not in _SAID_FROM_USER_LINE:
        _SAID_FROM_USER_LINE += (directory,)


def _show(msg, _original=warnings._showwarnmsg) -> None:
    emitter = sys._getframe(1)
    if msg.category is RuntimeWarning and msg.filename.startswith((_PACKAGE_DIR, _NUMPY_DIR)):
        found = _dispatch_frames(emitter)
        if found is not None and user_frame(found[2]) is not None:
            op, arrays, dispatching = found
            _forget(emitter, msg)
            if _said_by_check_numerics(arrays):
                return
            warn_from_user_line(_text(op, arrays, msg.message, dispatching.f_locals.get("args")),
                                RuntimeWarning, dispatching)
            return
    if msg.filename.startswith(_SAID_FROM_USER_LINE) and user_frame(emitter) is not None:
        _forget(emitter, msg)
        warn_from_user_line(msg.message, msg.category, emitter)
        return
    _original(msg)


def install() -> None:
    """Route shown warnings through `_show` (once; dispatch calls this at import)."""
    if warnings._showwarnmsg is not _show:
        warnings._showwarnmsg = _show
