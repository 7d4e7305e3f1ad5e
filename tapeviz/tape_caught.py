"""Which tapeviz error the user's own try/except caught inside a tape's block (`caught`).

Every `OpError` built at the user's line while tapes record is noted on each of them
(errors.py: an op's refusal in dispatch, a layer's or a loss's input check, `bad_argument`),
before anyone knows who will stop it. Whether the user's code did is read from the error
once asked: a raised error's traceback starts at the frame that stopped it, so one that
tapeviz caught itself (`x == "a"` is False) starts in tapeviz and is no error of the user's.
The widget draws the caught one 'raised, caught' (viz/failure.py).
"""
from __future__ import annotations

from .errors import OpError
from .sourceinfo import user_frame


class CaughtNotes:
    """`GradientTape`'s note of the last error raised in its block that did not leave it."""

    _noted = None    # the last error built at the user's line in the block, stopped by whoever
    _caught = None   # the last one before it that the user's code caught

    def op_raised(self, error: OpError) -> None:
        """Note `error`, built at the user's line while this tape records (errors.py): the
        one `caught` says should the user's code stop it inside the block."""
        noted = self._noted
        if noted is not None and caught_by_user(noted):
            self._caught = noted
        self._noted = error

    @property
    def caught(self) -> OpError | None:
        """The last tapeviz error raised in this tape's block that did not leave it (the
        user's try/except caught it; the tape recorded on): the widget draws it raised."""
        noted = self._noted
        return noted if noted is not None and caught_by_user(noted) else self._caught

    def _block_raised(self, error: BaseException) -> None:
        """`error` left the block: a noted error it is (or was raised from) was not caught."""
        while error is not None:
            if error is self._noted:
                self._noted = None
            if error is self._caught:
                self._caught = None
            error = error.__context__

    def _forget_caught(self) -> None:
        self._noted = self._caught = None


def caught_by_user(error: BaseException) -> bool:
    """Whether `error` was raised and stopped in a frame that is not tapeviz's own."""
    traceback = error.__traceback__
    return traceback is not None and user_frame(traceback.tb_frame) is traceback.tb_frame
