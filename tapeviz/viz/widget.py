"""TapeWidget: the tape drawn as a graph in Jupyter, with an inspector, backward stepping,
alerts, breakpoints and time travel.

Python holds the truth (ARCHITECTURE.md: rendering with pip alone): it lays the graph out
(graph -> DOT -> SVG), builds the inspector's payload, drives the BackwardStepper, and
pushes traits. The plain ES modules under `static/` (`tape.js` and what it imports, joined
by `front.py`) draw them, pan and zoom, and report
intents: a click sets `selected`; buttons send `{"action": ...}` messages that
`_on_message` carries out. Errors from those actions land in the `error` trait, shown in
the widget, never dropped. What one action changes (a step's strip, highlight, selection,
graph and inspector) reaches the browser as one state update (`hold_sync`): the view never
shows a new selection beside the previous node's inspector. This module holds what is shown
(the step, the open groups, the selection, the stepping) and keeps the traits in step with
it; what the panels say is computed in `panel.py`. In a kernel, a step's first view is shown
before its values are checked (`widget_checks.py`); exports and text forms are
`widget_output.py`'s, what the browser sends `widget_messages.py`'s."""
from __future__ import annotations

import threading

from ..arguments import count
from ..debugger.stepper import BackwardStepper
from .dot import to_dot
from .front import STATIC, module
from .inspect import input_makers
from .jupyter_extra import anywidget, traitlets
from .nan_note import nan_note
from .collapse import renorm
from .panel import (StepShading, dispatch_node_of, empty_message, find_alerts, gradient_note,
                    group_payload, node_payload, status_line, stepper_state)
from .outline import outline_status
from .render import layout_svg
from .scene import Scene
from .widget_actions import NodeActions
from .widget_checks import (CHECKING, DeferredChecks, _CheckedList, _CheckedUnicode,
                            _running_loop)
from .widget_messages import BrowserMessages
from .widget_output import WidgetOutput


class TapeWidget(BrowserMessages, NodeActions, DeferredChecks, WidgetOutput,
                 anywidget.AnyWidget):
    """The live tape of `source` (a GradientTape, BackwardStepper, Recorder, RecordedStep or
    list of Nodes) as a clickable graph.

    >>> import tapeviz as tf
    >>> w = tf.Variable([[1.0], [2.0]])
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     loss = tf.reduce_sum(tf.square(tf.matmul([[3.0, 4.0]], w)))
    >>> widget = TapeWidget(tape)
    >>> widget.title, widget.svg.startswith("<svg")
    ('persistent tape: 3 ops', True)
    >>> widget.step(); widget.stepper["op"]
    'reduce_sum'
    """

    _esm = module("tape.js")   # tape.js and the files it imports, joined (front.py)
    # text, not a path: anywidget watches a path's file for every instance through a signal
    # that holds each instance for good (anywidget issue 929), a closed widget and its tape
    _css = (STATIC / "tape.css").read_text(encoding="utf-8")

    title = traitlets.Unicode("").tag(sync=True)
    svg = _CheckedUnicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)      # node id the user clicked
    inspector = traitlets.Dict().tag(sync=True)          # inspect_node payload of `selected`
    highlight = traitlets.Unicode("").tag(sync=True)     # node of the current backward step
    stepper = traitlets.Dict().tag(sync=True)            # the backward stepping's state
    alerts = _CheckedList().tag(sync=True)               # [{kind, message, node}]
    opened_at = traitlets.Unicode("").tag(sync=True)     # the node a NaN/Inf was born at
    checking = traitlets.Unicode("").tag(sync=True)      # CHECKING while values are unchecked
    breakpoints = traitlets.List().tag(sync=True)        # descriptions of the breakpoints set
    empty = traitlets.Unicode("").tag(sync=True)         # why nothing is drawn, and what to do
    no_backward = traitlets.Unicode("").tag(sync=True)   # why the step shown has none to step
    step_count = traitlets.Int(1).tag(sync=True)         # steps kept (time travel)
    step_index = traitlets.Int(0).tag(sync=True)         # the step shown
    step_labels = traitlets.List().tag(sync=True)        # the slider's name of each kept step
    status = traitlets.Unicode("").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, source, *, target=None, sources=None, max_nodes: int = 300,
                 phases=("forward",), failure=None, check_later: bool | None = None,
                 **kwargs):
        """`check_later`: show the first view before every value is checked, and check them
        (and find the alerts) after it: by default when a kernel's event loop runs (they
        run once the cell returns); True leaves them to `finish_checks()` or the first
        read of `svg`/`alerts` or action."""
        # the arguments refused before a widget (and its comm) exists
        max_nodes = count("TapeWidget", "max_nodes", max_nodes, minimum=1)
        scene = Scene(source, target=target, sources=sources, phases=phases,
                      failure=failure)   # failure: the OpError a cell raised
        self._checks_pending = False
        self._checks_lock = threading.RLock()   # the checks run once, on one thread at a time
        self._after_checks: list = []   # callbacks run once the shown step is checked
        super().__init__(**kwargs)
        self._check_later = (_running_loop() is not None if check_later is None
                             else check_later) and failure is None
        self._scene = scene
        self.max_nodes = max_nodes
        self._expanded: set = set()
        self._stepper = None
        self._graph = self._view = None
        self._shading = None   # the stepping's gradient norms on the graph (StepShading)
        self._gradcheck: dict = {}
        self._following = False   # selection set by stepping, which inspects it itself
        self.on_msg(self._on_message)
        self.observe(self._on_select, names=["selected"])
        self.observe(self._on_step_index, names=["step_index"])
        self.observe(self._on_alerts, names=["alerts"])
        self.step_count = max(1, self._scene.step_count)
        self.step_labels = self._scene.step_labels()
        self.step_index = self._scene.index
        self._load_step()
        if isinstance(source, BackwardStepper) and source.count:
            self.finish_checks()
            self._stepper = source          # stepped in code already: show where it is
            self._after_stepping()

    # ---- public actions (the buttons call these too) ---------------------------------------
    def step(self) -> None:
        """Run one backward step of the shown step: the gradient through the next op (the
        chain rule through it, its vector-Jacobian product or VJP), as the Step button does."""
        self.finish_checks()
        with self.hold_sync():
            self._active_stepper().step()
            self._after_stepping()

    def continue_(self) -> None:
        """Run the backward pass to its end or the next breakpoint hit."""
        self.finish_checks()
        with self.hold_sync():
            self._active_stepper().continue_()
            self._after_stepping()

    def reset(self) -> None:
        """Forget the backward stepping: back to the recorded gradients."""
        self.finish_checks()
        with self.hold_sync():
            self._stepper = None
            self.highlight = ""
            self.stepper = {}
            self._rebuild()

    def show_step(self, index: int) -> None:
        """Show `recorder.steps[index]` (0 is the oldest kept; the title names it 'step 3 of 3',
        counting from 1 as every view does)."""
        self._scene.show_step(index)   # a step it does not keep: refused here, not in the view
        self.step_index = index

    def toggle(self, node_id: str) -> None:
        """Expand a collapsed group; given a node inside an expanded group, collapse that."""
        self.finish_checks()
        node = self._view.nodes.get(node_id)
        with self.hold_sync():
            if node is not None and node.kind == "group":
                self._expanded.add(node_id)
            else:
                group = self._opened_group_of(node_id)
                if group is None:
                    return
                self._expanded.discard(group)
                if self.selected == node_id:
                    self.selected = ""   # its box left the view (selecting a group opens it)
            self._redraw()

    def _opened_group_of(self, node_id: str):
        """The innermost expanded group that shows `node_id`, or None."""
        return self._view.opened_group_of(node_id, self._expanded)

    # ---- what the view holds ---------------------------------------------------------------
    @property
    def graph(self):
        """The shown step's full Graph (before collapsing)."""
        self.finish_checks()
        return self._graph

    @property
    def view(self):
        """The Graph as drawn: collapsed to at most about `max_nodes` nodes."""
        self.finish_checks()
        return self._view

    def inspect(self, node_id: str, saved: bool = False) -> dict:
        """The inspector payload of one node of the shown graph (`saved`: for a page saved
        from the widget, which has no buttons)."""
        self.finish_checks()
        graph_node = self._graph.nodes.get(node_id) or self._view.nodes.get(node_id)
        if graph_node is None:
            raise KeyError(f"TapeWidget: no node {node_id!r} in the shown graph")
        payload = node_payload(graph_node, self._stepper, self._gradcheck.get(node_id),
                               collapsible=self._opened_group_of(node_id) is not None,
                               grad_note=gradient_note(self._stepper, self._scene, saved),
                               position=self._position(node_id),
                               names=input_makers(self._graph, dispatch_node_of(graph_node),
                                                  self._scene.holder()),
                               recorded=getattr(self._scene.step, "variable_gradients", None),
                               leaf_layout=self._scene.layout())
        note = nan_note(node_id, graph_node, self.alerts)
        if note is not None:
            payload["origin"] = note
        return payload

    def _position(self, node_id: str):
        """op_place's (index, total, what holds it) of an op node among the shown step's ops
        (ids are "n<index>")."""
        if node_id.startswith("n") and node_id[1:].isdigit():
            return int(node_id[1:]), self._scene.op_count, self._scene.holder()
        return None

    # ---- internals -------------------------------------------------------------------------
    def _load_step(self) -> None:
        with self.hold_sync():
            self._stepper = None
            self._expanded.clear()
            self._gradcheck.clear()
            self.highlight = ""
            self.stepper = {}
            self.title = self._scene.title()
            self.no_backward = self._scene.no_backward()
            later = self._check_later
            # a selection is inspected in the graph: no outline then
            first = self._scene.outline(self.max_nodes) if later and not self.selected \
                else None
            if first is None:
                self._rebuild(check_values=not later)
            else:   # the graph is built with the checks (finish_checks)
                self._draw_outline(first)
            self.empty = "" if self._view.nodes else empty_message(self._scene)
            self._checks_pending = later
            self.opened_at = ""
            if later:   # the first view goes out now; its checks when the cell returns
                self.alerts, self.checking = [], CHECKING
                self._schedule_checks()
            else:
                self._show_alerts(find_alerts(self._scene, self._node_id_of))
                self.checking = ""
            self._sync_breakpoints()
            if self.selected and self.selected not in self._view.nodes:
                self.selected = ""

    def _rebuild(self, check_values: bool = True) -> None:
        """The graph of the shown step as recorded, before any stepping, drawn."""
        self._graph = self._scene.graph(check_values=check_values)
        self._shading = None
        self._redraw()

    def _draw_outline(self, view) -> None:
        """The first view told from a long tape's scope runs (outline.py); `_graph` stays
        None until the checks build it."""
        self._graph = self._shading = None
        self._view = view
        self.svg = layout_svg(to_dot(view))
        self.status = outline_status(view, self._scene.op_count)

    def _redraw(self) -> None:
        """The view of the graph with the groups open now, laid out."""
        if self._shading is not None and self._graph.has_edge_objects:
            # (collapsing a built graph reads each edge's norm from its source node)
            self._shading.sync_edges()
        self._view = self._graph.collapse(frozenset(self._expanded), self.max_nodes)
        self._repaint()
        self.status = status_line(self._graph, len(self._view.nodes), self._scene)

    def _repaint(self) -> None:
        # selection and the step highlight are CSS classes the JS sets: no relayout per click
        self.svg = layout_svg(to_dot(self._view))
        self.highlight = self._visible(self.highlight)
        if self.selected:
            self._inspect()

    def _visible(self, node_id: str) -> str:
        """`node_id`, or the collapsed group that holds it."""
        return (self._view.visible_id(node_id) or "") if node_id else ""

    def _dispatch_node(self, node_id: str):
        graph_node = self._graph.nodes.get(node_id) if self._graph is not None else None
        return None if graph_node is None else dispatch_node_of(graph_node)

    def _node_id_of(self, dispatch_node) -> str:
        return self._graph.id_of(dispatch_node) or ""

    def _inspect(self) -> None:
        node_id = self.selected
        if node_id not in self._view.nodes and node_id not in self._graph.nodes:
            node_id = ""   # e.g. the slider moved to a step without that node
        view_node = self._view.nodes.get(node_id)
        if view_node is not None and view_node.kind == "group":
            self.inspector = group_payload(node_id, view_node)
            return
        self.inspector = self.inspect(node_id) if node_id else {}

    def _active_stepper(self):
        if self._stepper is None:
            self._stepper = self._scene.stepper()
        return self._stepper

    def _after_stepping(self) -> None:
        """Show a step: the gradients it changed, its node (opening the groups that hide
        it) and its inspector; the rest of the graph and its layout stay as they are."""
        if self._shading is None:
            self._shading = StepShading(self._graph, recorded=self._scene.step is not None)
        changed = self._shading.update(self._stepper.grads)
        holder = self._scene.holder()
        self.stepper = state = stepper_state(
            self._stepper, self._node_id_of, self._graph.table().variable_names(),
            lambda node: input_makers(self._graph, node, holder), holder)
        self.highlight = node_id = state["node"]
        opened = node_id and node_id not in self._view.nodes
        if opened:
            self._expanded = set(self._graph.reveal(node_id, self._expanded, self.max_nodes))
        if node_id:   # the inspector follows the step; the redraw inspects it, once
            self._following = True
            try:
                self.selected = node_id
            finally:
                self._following = False
        if opened:
            self._redraw()
            return
        if self._view is self._graph:   # drawn whole: at most max_nodes nodes
            self._shading.sync_edges()
        else:
            renorm(self._view, self._graph, changed)
        self._repaint()
