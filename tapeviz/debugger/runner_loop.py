"""Whether a Runner's first training step ran inside a loop. The Dashboard tells a training
function that returned after one step to put its loop inside, and a loop that ran once (over
a dataset of one batch, or `steps=1`) is a loop all the same: so it is read from the frames
that called the gradient, not from the count of steps. Judged once, at the first gradient
call: each frame between the training function's and tapeviz's engine, the user's (and other
packages') and tapeviz's Keras (`fit` loops over epochs and batches), by its code's backward
jumps around the instruction it is at."""
from __future__ import annotations

import dis
import functools
import os
import sys

from ..sourceinfo import user_frame

_KERAS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "keras") + os.sep
_BACKWARD_JUMPS = frozenset(name for name in dis.opname if "JUMP_BACKWARD" in name)


def ran_in_a_loop(outermost) -> bool:
    """Whether the caller's stack, up to the frame running the code `outermost` (the
    runner's thread body), is inside a loop at one of the frames a person wrote a loop in."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code is not outermost:
        code = frame.f_code
        judged = user_frame(frame) is frame or code.co_filename.startswith(_KERAS_DIR)
        if judged and any(start <= frame.f_lasti <= end for start, end in _loops(code)):
            return True
        frame = frame.f_back
    return False


@functools.lru_cache(maxsize=256)
def _loops(code) -> tuple:
    """The (first, last) instruction offsets of each loop body of `code`: a backward jump's
    target and the jump."""
    return tuple((instruction.argval, instruction.offset)
                 for instruction in dis.get_instructions(code)
                 if instruction.opname in _BACKWARD_JUMPS)
