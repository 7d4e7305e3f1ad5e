"""A notebook cell run again that starts a Recorder rebinds the name that held the one its
last run started: still recording, nothing would stop it, and it would keep its steps (up
to max_bytes) and this thread's sink for good. The new one stops it."""
from __future__ import annotations

import threading
import weakref

from ..sourceinfo import user_frame

# a recorder user code started -> (file, line, thread), the code object that started it
_started_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def started(recorder, caller, entered) -> None:
    """`recorder` starts, called from frame `caller` (`entered`: the code of its __enter__):
    stop a recorder still recording that user code started at the same file:line on this
    thread, compiled again (a cell run again; one run's own recorders, `with Recorder() as a,
    Recorder() as b:` or a loop's, stay). One a tapeviz tool starts is nobody's twin."""
    if caller.f_code is entered:
        caller = caller.f_back
    if user_frame(caller) is not caller:
        return
    code = caller.f_code
    place = (code.co_filename, caller.f_lineno, threading.current_thread())
    for other, (at, its_code) in list(_started_at.items()):
        if at == place and its_code is not code and other.recording:
            other.stop()
    _started_at[recorder] = place, code
