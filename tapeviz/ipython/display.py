"""How a notebook shows a tensor, a tape, a recording, a stepper or a TapeWidget.

`register_html_display(shell)` gives IPython's `text/html` formatter one printer per
engine class; each printer imports `tapeviz.viz.richrepr` at its first call, so the engine
never imports the front end and `import tapeviz` stays free of the drawing code.
A TapeWidget (registered by name, so nothing is imported for it) displays through
`tapeviz.viz.saved`: a plain twin output that a saved notebook keeps, then the live view.
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
    """Show the `DRAWN` classes (and subclasses, such as Variable) as HTML in `shell`, and
    TapeWidgets with their saved twin.

    Registering again replaces the printers, so calling it twice is harmless.
    """
    html = shell.display_formatter.formatters["text/html"]
    for cls in DRAWN:
        html.for_type(cls, html_of)
    shell.display_formatter.ipython_display_formatter.for_type_by_name(
        "tapeviz.viz.widget", "TapeWidget", display_tape_widget)


def html_of(obj) -> str | None:
    """`obj` as static HTML (`tapeviz.viz.richrepr.html_of`), None where it cannot be drawn."""
    from ..viz.richrepr import html_of as draw   # the drawing code loads at the first display
    return draw(obj)


def display_tape_widget(widget) -> None:
    """Display a TapeWidget after its saved twin (`tapeviz.viz.saved`)."""
    from ..viz.saved import display_with_twin
    display_with_twin(widget)
