"""What a script's or a notebook cell's traceback shows of a TypeError Python raised at the
user's own line before any tapeviz code ran (a misspelt keyword, `with tf.GradientTape as
tape:`): the error tapeviz would have raised, read from the TypeError where it is shown and
never on a correct call's path. Installed when tapeviz is imported: a chained
sys.excepthook, and IPython's custom exception handler in a running IPython (unless another
is set: IPython keeps one). What `except TypeError` catches stays Python's own error."""
from __future__ import annotations

import sys

from .errors_keywords import binding_refused
from .errors_uncalled import entered_uncalled


def said_by_tapeviz(error: BaseException):
    """The tapeviz error to show in place of `error`, or None to show it as it is."""
    return binding_refused(error) or entered_uncalled(error)


def show_in_place(hook):
    """`hook` (sys.excepthook's signature) showing what `said_by_tapeviz` finds instead."""
    def excepthook(kind, error, traceback):
        better = said_by_tapeviz(error)
        if better is None:
            return hook(kind, error, traceback)
        return hook(type(better), better, traceback)
    excepthook.shows_tapeviz_words = True
    return excepthook


def install_excepthook() -> None:
    """Chain sys.excepthook (once)."""
    if not getattr(sys.excepthook, "shows_tapeviz_words", False):
        sys.excepthook = show_in_place(sys.excepthook)


def install_in_ipython(shell) -> None:
    """The same for a cell: a cell's TypeError shown as IPython shows any (%pdb as well)."""
    if shell.custom_exceptions:
        return

    def shown(shell, kind, error, traceback, tb_offset=None):
        better = said_by_tapeviz(error)
        exc_tuple = None if better is None else (type(better), better, traceback)
        shell.showtraceback(exc_tuple, tb_offset=tb_offset, running_compiled_code=True)

    shell.set_custom_exc((TypeError,), shown)


__all__ = ["install_excepthook", "install_in_ipython", "said_by_tapeviz"]
