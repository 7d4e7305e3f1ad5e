"""How a notebook shows a tensor, a tape, a recording, a stepper, a TapeWidget or a Dashboard.

`register_html_display(shell)` gives IPython's `text/html` formatter one printer per
engine class; each printer imports `tapeviz.viz.richrepr` at its first call, so the engine
never imports the front end and `import tapeviz` stays free of the drawing code.
A TapeWidget or a Dashboard (registered by name, so nothing is imported for them) displays
through `tapeviz.viz.saved`: a plain twin output that a saved notebook keeps, then the live
view.
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
    """Show the `DRAWN` classes (and subclasses, such as Variable) as HTML in `shell`, and,
    in a kernel, TapeWidgets and Dashboards with their saved twins (terminal IPython prints
    their one-line repr: it can draw neither).

    Registering again replaces the printers, so calling it twice is harmless.
    """
    html = shell.display_formatter.formatters["text/html"]
    for cls in DRAWN:
        html.for_type(cls, html_of)
    if getattr(shell, "kernel", None) is None:
        return
    widgets = shell.display_formatter.ipython_display_formatter
    widgets.for_type_by_name("tapeviz.viz.widget", "TapeWidget", display_tape_widget)
    widgets.for_type_by_name("tapeviz.viz.dashboard", "Dashboard", display_dashboard)


def html_of(obj) -> str | None:
    """`obj` as static HTML (`tapeviz.viz.richrepr.html_of`), None where it cannot be drawn."""
    from ..viz.richrepr import html_of as draw   # the drawing code loads at the first display
    return draw(obj)


def display_tape_widget(widget) -> None:
    """Display a TapeWidget after its saved twin (`tapeviz.viz.saved`)."""
    from ..viz.saved import display_with_twin
    from ..viz.widget import TapeWidget
    _bind_to_base(TapeWidget, display_tape_widget)
    display_with_twin(widget)


def display_dashboard(dashboard) -> None:
    """Display a Dashboard after its saved twin, which receives its charts when a run ends."""
    from ..viz.dashboard import Dashboard
    from ..viz.saved import display_dashboard_with_twin
    _bind_to_base(Dashboard, display_dashboard)
    display_dashboard_with_twin(dashboard)


def _bind_to_base(cls, printer) -> None:
    """Register `printer` for `cls` itself. anywidget gives each instance its own subclass
    of the same module and name, and IPython binds a by-name printer to the first class it
    meets with that name: the first instance's subclass. Bound to the base class, every
    instance finds it through its MRO."""
    from IPython import get_ipython
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.ipython_display_formatter.for_type(cls, printer)
