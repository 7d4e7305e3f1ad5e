"""`tapeviz.viz`: the tape drawn as a graph, the Jupyter widgets and the exports.

Nothing here is imported by the engine: the widgets need the `jupyter` extra
(`pip install tapeviz[jupyter]`). Modules load on first use (PEP 562), so a notebook that
draws a tensor or a tape as a cell's value (`richrepr.py`, through `tapeviz.ipython.display`)
imports no anywidget; `from tapeviz.viz import TapeWidget` does.
"""
import importlib

_WHERE = {
    "Graph": "graph", "GraphNode": "graph", "GraphEdge": "graph",
    "to_dot": "dot", "layout_svg": "render",
    "inspect_node": "inspect",
    "TapeWidget": "widget", "Dashboard": "dashboard",
    "to_svg": "export", "static_html": "export",
}


def show(source, **options):
    """Display a TapeWidget of `source` (a tape, stepper, Recorder, RecordedStep or nodes)."""
    from IPython.display import display
    from .widget import TapeWidget
    widget = TapeWidget(source, **options)
    display(widget)
    return widget


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*_WHERE, "show"])
