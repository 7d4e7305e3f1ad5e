"""How a notebook shows a tensor, a tape, a recording or a stepper that is a cell's value.

`register_html_display(shell)` gives IPython's `text/html` formatter one printer per
engine class; each printer imports `tapeviz.viz.richrepr` at its first call, so the engine
never imports the front end and `import tapeviz` stays free of the drawing code.
`tapeviz/__init__.py` calls it when imported inside a running IPython, and
`%load_ext tapeviz` calls it again for a tapeviz imported before the shell started.
A printer that returns None leaves IPython showing the plain repr.
"""
from __future__ import annotations

from ..debugger.history import RecordedStep
from ..debugger.recorder import Recorder
from ..debugger.stepper import BackwardStepper
from ..tape import GradientTape
from ..tensor import Tensor

DRAWN = (Tensor, GradientTape, Recorder, RecordedStep, BackwardStepper)


def register_html_display(shell) -> None:
    """Show the `DRAWN` classes (and subclasses, such as Variable) as HTML in `shell`.

    Registering again replaces the printers, so calling it twice is harmless.
    """
    html = shell.display_formatter.formatters["text/html"]
    for cls in DRAWN:
        html.for_type(cls, html_of)


def html_of(obj) -> str | None:
    """`obj` as static HTML (`tapeviz.viz.richrepr.html_of`), None where it cannot be drawn."""
    from ..viz.richrepr import html_of as draw   # the drawing code loads at the first display
    return draw(obj)
