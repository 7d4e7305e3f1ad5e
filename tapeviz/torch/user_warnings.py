"""Warnings torch raises inside a call the adapter's mode handled, said from the user's line.

torch warns from the Python frame that called it, which under the mode is the mode's
handler: `float(loss)`'s "Converting a tensor with requires_grad=True to a scalar" pointed
at tapeviz/torch/mode.py, and "once per line" filters then showed only the first of a
program's warnings. As `fpwarnings` does for numpy's, the warnings module's show hook is
asked, only when a warning is about to be shown: one whose line is in this package is
warned again from the user's frame (filters, "once per line" and recorders see that line).
"""
from __future__ import annotations

import os
import sys
import warnings

from ..fpwarnings import _forget, warn_from_user_line
from ..sourceinfo import user_frame

_ADAPTER_DIR = os.path.dirname(__file__) + os.sep


def _show(msg) -> None:
    if msg.filename.startswith(_ADAPTER_DIR):
        emitter = sys._getframe(1)
        if user_frame(emitter) is not None:
            _forget(emitter, msg)
            warn_from_user_line(msg.message, msg.category, emitter)
            return
    _next(msg)


_next = warnings._showwarnmsg   # the hook before `_show`: fpwarnings', set by install


def install() -> None:
    """Route shown warnings through `_show`, then the hook there now (fpwarnings')."""
    global _next
    if warnings._showwarnmsg is not _show:
        _next, warnings._showwarnmsg = warnings._showwarnmsg, _show
