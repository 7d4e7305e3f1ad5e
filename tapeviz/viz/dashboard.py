"""The live training dashboard: loss, gradient norms, state, the step's tape and the controls.

`Dashboard` is an anywidget that watches a training loop run by a `tapeviz.debugger.Runner`
(with Pause / Step op / Step VJP / Resume / Stop buttons acting on it) or, read-only, any
loop while a `tapeviz.debugger.Recorder` is on. Events are synchronous and cheap
(ARCHITECTURE.md), so the work per dispatch event is tiny: the subscriber appends to plain
lists (the step's taped nodes, one loss and one norm per variable per `GradientComputed`).
A timer thread pushes the traits to the browser at most `max_rate` times a second, in one
message per push, and lays out the tape (Graphviz, ~10 ms and up) at most about once a
second and only when its structure changed, or at once when the loop pauses or ends. Both
throttles read time from a `Clock` (real time unless one is passed), so tests drive them
turn by turn. Errors raised in any callback land in the `error` trait, which the front end
shows.

Alerts are the debugger's own (`diagnose`, as `TapeWidget(recorder)` shows them): for a
Recorder, `find_alerts` over its steps; for a Runner, `diagnose` of the last finished step's
taped ops and gradients, of the first step whose loss or gradients were NaN/Inf (kept,
since every later step only carries the NaN), and of the first `_OPENING_STEPS` steps after
the first, recorded whole (what only steps show: a loss of many values, a Variable rebound
to a Tensor, a gradient that never comes; a few steps' recording, once a run). A diverging
loss needs whole steps (weights before and after each update): a Recorder is kept only
while the loss keeps rising (from its third rise in a row, for at most `_SUSPECT_STEPS`
steps, and until the first NaN), so a healthy loop pays next to nothing for it. Diagnoses
run on the timer thread at most once a second and when the loop pauses or ends, never in
the subscriber."""
from __future__ import annotations

import math
import numbers
import threading
import time
import traceback

import numpy as np

from .. import events
from ..debugger.diagnosis import diagnose
from ..debugger.summary import all_finite
from ..debugger.unapplied import never_applied_in_run
from ..debugger.variable_names import shown_name
from ..errors import DTypeError, MisuseError, bad_argument, describe
from .front import STATIC, module
from ..sourceinfo import source_from
from ..tensor import Variable
from .jupyter_extra import anywidget, traitlets
from .panel import MAX_ALERTS, alert_list, find_alerts
from .scene import Scene
from .series import Series, check_settings

_ACTIONS = ("pause", "step_op", "step_vjp", "resume", "stop")
_ENDED = ("finished", "stopped", "failed")
_RENDER_EVERY = 1.0  # seconds between tape layouts while the loop runs
_DIAGNOSE_EVERY = 1.0  # seconds between diagnoses (the alerts) while the loop runs
_ARM_AFTER_RISES = 3   # consecutive rises of the loss that start a Recorder (divergence)
_SUSPECT_STEPS = 12    # ... and the steps it keeps at most (memory: whole steps)
_OPENING_STEPS = 3     # steps a Recorder keeps from the first: the findings only steps show
_OVER_STEPS = ("nan", "divergence", "gradient_ascent")   # said by the other alerts' parts


class Clock:
    """Time as the dashboard's throttles see it: real, monotonic time.

    `now()` paces the tape layouts; `wait(closed, seconds)` is the push timer's pause between
    turns (True once `closed` is set: the timer then ends). A test passes a clock of its
    own to drive the timer one turn at a time.
    """

    def now(self) -> float:
        return time.monotonic()

    def wait(self, closed: threading.Event, seconds: float) -> bool:
        return closed.wait(seconds)


class Dashboard(anywidget.AnyWidget):
    """Live charts and controls for a training loop run by a Runner (or watched by a Recorder).

    >>> import tapeviz as tf
    >>> def train(steps):
    ...     w = tf.Variable(3.0, name="w")
    ...     for _ in range(steps):
    ...         with tf.GradientTape() as tape:
    ...             loss = w * w
    ...         w.assign_sub(0.25 * tape.gradient(loss, w))
    >>> dash = Dashboard(show_tape=False)
    >>> runner = dash.train(train, 3)
    >>> runner.join(5.0)
    True
    >>> dash.flush()
    >>> history = dash.history()
    >>> dash.state, dash.step_count, history["loss"], [*history["grad_norms"].values()]
    ('finished', 3, ([1, 2, 3], [9.0, 2.25, 0.5625]), [([1, 2, 3], [6.0, 3.0, 1.5])])
    >>> dash.close()

    Each series reaches the browser as at most `max_points` buckets (`Series`: the raw
    min/max, last value, first NaN/Inf and the EMA of `smoothing`, as binary buffers), so a
    long run costs what a chart can show; `history()` is each bucket's last step and value.
    """

    _esm = module("dashboard.js")   # dashboard.js and the files it imports (front.py)
    _css = STATIC / "dashboard.css"

    mode = traitlets.Unicode("none").tag(sync=True)        # "runner", "recorder" or "none"
    state = traitlets.Unicode("idle").tag(sync=True)       # the runner's state, or recording
    status = traitlets.Unicode("").tag(sync=True)          # e.g. "paused after matmul at a.py:3"
    step_count = traitlets.Int(0).tag(sync=True)
    loss = traitlets.Dict({}).tag(sync=True)               # Series.to_bytes(): its buckets
    grad_norms = traitlets.List([]).tag(sync=True)         # [{"name", **Series.to_bytes()}]
    controls = traitlets.Dict({}).tag(sync=True)           # action -> enabled
    svg = traitlets.Unicode("").tag(sync=True)             # the current step's tape
    tape_title = traitlets.Unicode("").tag(sync=True)
    highlight = traitlets.Unicode("").tag(sync=True)       # graph node id of the pause point
    error = traitlets.Unicode("").tag(sync=True)
    alerts = traitlets.List([]).tag(sync=True)  # [{kind, label, message, node, location, step}]

    def __init__(self, runner=None, recorder=None, *, max_rate: float = 10.0,
                 max_points: int = 400, smoothing: float = 0.9, max_nodes: int = 150,
                 show_tape: bool = True, show_alerts: bool = True, clock: Clock | None = None,
                 **kwargs):
        # refused before the widget opens: a refused Dashboard leaves no widget behind
        if isinstance(max_rate, bool) or not isinstance(max_rate, numbers.Real) or \
                not max_rate > 0:
            raise bad_argument("Dashboard", "max_rate", "a positive number of pushes a second "
                               "(10)", max_rate)
        check_settings("Dashboard", max_points, smoothing)
        check_watched("Dashboard", runner, recorder)
        super().__init__(**kwargs)
        self.max_rate = float(max_rate)
        self.max_points = int(max_points)   # buckets per series: about a chart's pixel width
        self.smoothing = float(smoothing)   # the EMA the charts draw over the raw range
        self.max_nodes = int(max_nodes)
        self.show_tape = show_tape
        self.show_alerts = show_alerts
        self.clock = clock if clock is not None else Clock()
        self.runner = self.recorder = None
        self._push_lock = threading.RLock()  # one pusher at a time: the timer or flush()
        self._data_lock = threading.Lock()   # the subscriber's lists vs the timer's reads
        self._closed = threading.Event()
        self._timer: threading.Thread | None = None
        self._errors: list = []
        self.saved_twin = None   # the display of its saved twin (tapeviz.viz.saved), if shown
        self._reset()
        self.on_msg(self._on_msg)
        if runner is not None or recorder is not None:
            self.attach(runner, recorder)

    # ---- attaching ----------------------------------------------------------------------
    def attach(self, runner=None, recorder=None) -> "Dashboard":
        """Watch `runner` (with controls) and/or `recorder` (read-only); returns self."""
        check_watched("Dashboard.attach", runner, recorder)
        self.detach()
        self._reset()
        with self._data_lock:
            self._errors.clear()
        self.runner, self.recorder = runner, recorder
        self.mode = "runner" if runner is not None else \
            "recorder" if recorder is not None else "none"
        if runner is not None:
            self._step_offset = runner.step_count
            events.subscribe(self._on_event)
        self._closed.clear()
        self._timer = threading.Thread(target=self._loop, daemon=True,
                                       name="tapeviz-dashboard")
        self._timer.start()
        return self

    def train(self, train_fn, *args, **kwargs):
        """Run `train_fn(*args, **kwargs)` in a new Runner shown here; returns the runner."""
        from ..debugger import Runner
        if self.runner is not None and self.runner.state in ("running", "paused"):
            raise MisuseError("Dashboard.train", f"the training this dashboard started is still "
                                                 f"{self.runner.state}; a second one would "
                                                 f"train the same variables at the same time",
                              hint="stop it first, dashboard.runner.stop(), or wait for it: "
                                   "dashboard.runner.join()")
        runner = Runner(train_fn, *args, **kwargs)
        self.attach(runner, self.recorder)
        return runner.start()

    def detach(self) -> None:
        """Stop listening: unsubscribe from dispatch and end the timer thread."""
        events.unsubscribe(self._on_event)
        events.settle_thread()   # the timer may have unsubscribed first, on its own thread
        self._stop_suspect()
        self._closed.set()
        timer, self._timer = self._timer, None
        if timer is not None and timer is not threading.current_thread():
            timer.join(5.0)

    def close(self) -> None:
        """Detach, then close the widget."""
        if hasattr(self, "_closed"):   # not one refused in __init__ (Widget.__del__ closes it)
            self.detach()
        super().close()

    def history(self) -> dict:
        """{"loss": (steps, values), "grad_norms": {name: (steps, values)}}, as lists: every
        step while the run is at most `max_points` steps long, then each bucket's last."""
        with self._data_lock:
            return {"loss": self._loss.points(),
                    "grad_norms": {name: s.points() for name, s in self._norms.items()}}

    def __repr__(self) -> str:
        """One line for terminal IPython and the text/plain fallback."""
        if self.mode == "none" or not hasattr(self, "_loss"):
            return "<Dashboard: not attached>"
        with self._data_lock:
            values = self._loss.points()[1]
        loss = f", loss {values[-1]:.4g}" if len(values) else ""
        watched = "training loop" if self.mode == "runner" else "recorder"
        return f"<Dashboard: {watched} {self.state}, step {self.step_count}{loss}>"

    def _reset(self) -> None:
        self._step_offset = 0
        self._steps = 0                  # GradientComputed events seen from the loop
        self._version = 0                # bumped when the series change
        self._pushed_version = -1
        self._loss = Series(self.max_points, self.smoothing)
        self._norms: dict = {}           # variable name -> Series
        self._labels: dict = {}          # variable name -> its name in the legend
        self._ops: list = []             # taped nodes of the step in progress
        self._grads: dict = {}           # id(output or variable) -> its gradient, this step
        self._last_ops: list = []        # ... and of the last finished step
        self._last_grads: dict = {}
        self._last_recorded = -1         # recorder mode: index of the last step read
        self._tape_key = self._tape_svg = self._tape_graph = None   # the last layout
        self._tape_from = None           # ... the nodes (or the recorded step) it was built from
        self._tape_full = None           # ... and the uncollapsed graph it shows
        self._rendered_at = -math.inf   # clock time of the last tape layout
        self._gradients: dict = {}       # variable name -> gradient, of the last finished step
        self._last_step = 0              # that step's number
        self._nan_step = None            # (number, forward nodes) of the first non-finite step
        self._rises = 0                  # consecutive rises of the loss, up to the last step
        self._previous_loss = math.inf   # the last step's loss
        self._suspect = None             # a Recorder of a rising loss (runner mode)
        self._opening = None             # a Recorder of the first steps (runner mode)
        self._opened: list = []          # the findings it gave, with their step
        self._diverged: list = []        # the divergence findings it gave, with their step
        self._diagnosed_at = -math.inf   # clock time of the last diagnosis
        self._diagnosed_version = -1

    # ---- the subscriber: cheap, on the training thread ------------------------------------
    def _on_event(self, event) -> None:
        try:
            if threading.get_ident() != self.runner.thread_ident:
                return  # the caller inspecting tensors while paused, or another loop
            kind = type(event)
            if kind is events.OpExecuted:
                if event.taped and (self.show_tape or self.show_alerts):
                    self._ops.append(event.node)
            elif kind is events.VJPApplied:
                if self.show_tape:
                    self._grads[id(event.step.node.output)] = event.step.upstream
            elif kind is events.GradientComputed:
                loss = sum(float(np.sum(t._value)) for t in event.targets)
                named = [(source.name, grad) for source, grad in
                         zip(event.sources, event.gradients)
                         if grad is not None and getattr(source, "name", None)]
                norms = [(name, _norm(grad._value)) for name, grad in named]
                if any(name not in self._labels for name, _ in named):
                    self._name_variables(event.sources)
                if self.show_tape:   # the variables' gradients shade their leaves, too
                    self._grads.update((id(source), grad) for source, grad in
                                       zip(event.sources, event.gradients) if grad is not None)
                self._add_step(self._step_offset + self._steps + 1, loss, norms, dict(named))
        except Exception as exc:  # never break the user's loop for a chart; report it
            self._report_error("dashboard event", exc)

    def _add_step(self, step: int, loss, norms, gradients=None) -> None:
        with self._data_lock:
            self._steps += 1
            if loss is not None:
                self._loss.append(step, loss)
            for name, norm in norms:
                series = self._norms.get(name)
                if series is None:
                    series = self._norms[name] = Series(self.max_points, self.smoothing)
                series.append(step, norm)
            if self.runner is not None:
                if self._nan_step is None and self.show_alerts and not (  # a finite norm: a
                        math.isfinite(loss) and all(math.isfinite(norm)     # finite gradient
                                                    or all_finite(gradients[name])
                                                    for name, norm in norms)):
                    self._nan_step = (step, [n for n in self._ops if n.phase == "forward"])
                self._last_ops, self._ops = self._ops, []
                self._last_grads, self._grads = self._grads, {}
                self._gradients, self._last_step = gradients or {}, step
                if self.show_alerts:
                    self._watch_opening()
                    if not self._diverged:
                        self._watch_rising(step, loss)
            self._version += 1

    def _name_variables(self, sources) -> None:
        """Give the variables among `sources` not yet named their legend names, once each:
        as the user's code names them (variable_names.shown_name), else, where two would
        read alike, by their own (TF's) name."""
        variables = [source for source in sources if isinstance(source, Variable)]
        with self._data_lock:
            taken = set(self._labels.values())
            for variable in variables:
                if variable.name not in self._labels:
                    label = shown_name(variable, variables)
                    label = variable.name if label in taken else label
                    self._labels[variable.name] = label
                    taken.add(label)

    def _watch_opening(self) -> None:
        """On the training thread, after the first step: record the next `_OPENING_STEPS`
        steps whole (a loss of many values, a Variable rebound to a Tensor, a gradient that
        never comes are seen only across steps); a rising loss's Recorder ends it sooner."""
        opening = self._opening
        if opening is None and self._steps == 1:
            from ..debugger import Recorder   # its steps are numbered as this run's
            self._opening = Recorder(first_index=self._step_offset + 1).start()
        elif opening is not None and opening.recording and len(opening) > _OPENING_STEPS:
            opening.stop()

    def _watch_rising(self, step: int, loss: float) -> None:
        """On the training thread, after step `step`: start a Recorder of the next steps at
        the loss's third rise in a row; stop it at a fall (dropping it), a NaN or its last
        step (keeping it until the timer has diagnosed it)."""
        finite, previous, self._previous_loss = math.isfinite(loss), self._previous_loss, loss
        self._rises = self._rises + 1 if finite and loss > previous else 0
        suspect = self._suspect
        if suspect is not None and suspect.recording:
            if not finite or len(suspect) >= _SUSPECT_STEPS:
                suspect.stop()
            elif self._rises == 0:
                suspect.stop()
                self._suspect = None
        elif suspect is None and self._rises >= _ARM_AFTER_RISES and finite:
            if self._opening is not None and self._opening.recording:
                self._opening.stop()   # one Recorder at a time; it keeps what it recorded
            from ..debugger import Recorder   # its steps are numbered as this run's
            self._suspect = Recorder(first_index=step).start()

    # ---- browser -> Python -------------------------------------------------------------------
    def _on_msg(self, _widget, content, _buffers) -> None:
        try:
            if isinstance(content, dict) and "snapshot" in content:
                try:
                    self._save_snapshot(content["snapshot"])
                except Exception as exc:
                    self._report_error("chart snapshot", exc)
                return
            if not isinstance(content, dict) or "action" not in content:
                return  # not ours (anywidget has messages of its own)
            action = content["action"]
            if action not in _ACTIONS:
                raise ValueError(f"Dashboard: unknown action {action!r}; expected one of "
                                 f"{', '.join(_ACTIONS)}")
            if self.runner is None:
                raise RuntimeError(f"Dashboard: {action!r} needs a Runner; this dashboard "
                                   f"is read-only ({self.mode})")
            getattr(self.runner, action)()
        except Exception as exc:
            self._report_error("button", exc)

    def _save_snapshot(self, snapshot) -> None:
        """The browser drew an ended run's charts: keep them in the saved twin, so a saved
        notebook shows them with no kernel (GitHub, nbconvert, a reopen)."""
        if self.saved_twin is None:
            return
        from .saved import CSS_COLOUR, dashboard_twin_bundle
        charts = snapshot.get("charts") if isinstance(snapshot, dict) else None
        legend = snapshot.get("legend", []) if isinstance(snapshot, dict) else None
        if not isinstance(charts, list) or not all(
                isinstance(c, dict) and isinstance(c.get("title"), str)
                and isinstance(c.get("svg"), str) and c["svg"].startswith("<svg")
                for c in charts) or not isinstance(legend, list) or not all(
                isinstance(item, dict) and isinstance(item.get("text"), str)
                and isinstance(item.get("colour"), str) and CSS_COLOUR.fullmatch(item["colour"])
                for item in legend):
            raise ValueError("Dashboard: a chart snapshot must be {charts: [{title, svg}], "
                             "legend: [{text, colour}]} with each svg an <svg> document and "
                             f"each colour rgb(...) or #hex; got {snapshot!r:.200}")
        summary = f"{self.step_count} steps, {self.status}"
        if self.state == "failed" and self.error:   # the twin has no error box: said here
            summary = f"{self.step_count} steps, {self.error}"
        tape = (self.tape_title, self.svg) if self.svg.startswith("<svg") else None
        alerts = [(alert["label"], alert["message"]) for alert in self.alerts]
        self.saved_twin.update(dashboard_twin_bundle(
            summary, [(c["title"], c["svg"]) for c in charts],
            [(item["text"], item["colour"]) for item in legend], tape, alerts), raw=True)

    def _report_error(self, where: str, exc: BaseException, push: bool = True) -> None:
        """Keep the error for the `error` trait (the last five); push it if no timer will."""
        text = f"{where}: {''.join(traceback.format_exception_only(type(exc), exc)).strip()}"
        with self._data_lock:
            if self._errors[-1:] != [text]:
                self._errors.append(text)
                del self._errors[:-5]
        if push and (self._timer is None or not self._timer.is_alive()):
            self.flush()

    # ---- the throttle: a timer thread ---------------------------------------------------------
    def _loop(self) -> None:
        interval = 1.0 / self.max_rate
        while not self.clock.wait(self._closed, interval):
            try:
                if self._tick():   # the loop ended and its final state is pushed:
                    events.unsubscribe(self._on_event)   # give dispatch its fast path back
                    self._stop_suspect()
                    return
            except Exception as exc:
                self._report_error("dashboard update", exc)

    def flush(self) -> None:
        """Push the current state to the browser now (the timer does this on its own)."""
        with self._push_lock:
            self._tick()

    def _tick(self) -> bool:
        """Push what changed (in one message); True once a runner has ended and all is shown."""
        with self._push_lock:
            if self.recorder is not None and self.runner is None:
                self._poll_recorder()
            state, status, controls = self._describe()
            drawn = self._tape_full
            tape = self._tape(state)
            alerts = self._alerts(state, relaid=self._tape_full is not drawn)
            with self._data_lock:
                version, errors = self._version, "\n".join(self._errors)
                series = None
                if version != self._pushed_version:
                    series = (self._loss.to_bytes(),
                              [{"name": self._labels.get(name, name), **s.to_bytes()}
                               for name, s in self._norms.items()])
                # steps done; for a recorder alone, the last read step's number (it may have
                # dropped older ones), as its title says "step 3" of the third
                steps = self._step_offset + self._steps if self.runner is not None \
                    else self._last_recorded + 1
            if self.runner is not None:
                steps = max(steps, self.runner.step_count)
            with self.hold_sync():
                self.state, self.status, self.controls = state, status, controls
                self.step_count, self.error = steps, errors
                if series is not None:
                    self.loss, self.grad_norms = series
                if tape is not None:
                    self.svg, self.tape_title, self.highlight = tape
                if alerts is not None and alerts != self.alerts:
                    self.alerts = alerts
                self._pushed_version = version
            return self.runner is not None and state in _ENDED and version == self._version

    def _describe(self) -> tuple:
        """(state, status text, enabled controls) of what is watched."""
        runner = self.runner
        if runner is not None:
            state = runner.state
            status = _runner_status(runner)
            controls = {"pause": state in ("idle", "running"),
                        "step_op": state == "paused", "step_vjp": state == "paused",
                        "resume": state == "paused",
                        "stop": state in ("idle", "running", "paused")}
            if state == "failed" and runner.error is not None:
                self._note_failure(runner.error)
            return state, status, controls
        recorder = self.recorder
        if recorder is not None:
            state = "recording" if recorder.recording else "stopped"
            dropped = recorder.dropped.steps
            status = f"recorder {'on' if recorder.recording else 'off'}: {len(recorder)} " \
                     f"steps kept" + (f", {dropped} dropped" if dropped else "")
            return state, status, {}
        return "idle", "nothing attached: Dashboard.train(fn, ...) or attach(runner)", {}

    def _note_failure(self, exc: BaseException) -> None:
        text = f"training failed: {type(exc).__name__}: {exc}{_raised_at(exc)}"
        with self._data_lock:
            if text not in self._errors:
                self._errors.append(text)

    def _poll_recorder(self) -> None:
        """Read-only mode: take the steps the recorder finished since the last poll."""
        for step in self.recorder.steps:
            if step.complete and step.index > self._last_recorded:
                if any(name not in self._labels for name in step.variable_gradients):
                    self._name_variables(step.gradient_sources)
                norms = [(name, _norm(grad._value))
                         for name, grad in step.variable_gradients.items()]
                self._add_step(step.number, step.loss, norms)
                self._last_recorded = step.index

    # ---- the tape ---------------------------------------------------------------------------
    def _tape(self, state: str):
        """(svg, title, highlight) to show now, else None (nothing new to show).

        The title and the highlight follow every push; a new structure is laid out at most
        once a second (at once on a pause or the end), the last layout showing meanwhile. On
        a pause or the end, a layout of an earlier step of the same structure is laid out
        again from the step shown: its values, and the nodes its alerts name, are that
        step's (a loop slower than the timer, as on a loaded machine, ended showing step 3
        titled step 20, and the alert on step 20's op found no node in it)."""
        if not self.show_tape:
            return None
        urgent = state == "paused" or state in _ENDED or self.recorder is not None and \
            not self.recorder.recording
        try:
            from .dot import to_dot
            from .graph import Graph
            from .render import layout_svg
        except ImportError as exc:  # say so once, then draw the charts alone
            self.show_tape = False
            self._report_error("tape (charts still update)", exc, push=False)
            return None
        source = self._tape_source(state, Graph)
        if source is None:
            return None
        key, drawn_from, build, title, paused_node = source
        stale = self._tape_from is None or len(drawn_from) != len(self._tape_from) or any(
            a is not b for a, b in zip(drawn_from, self._tape_from))
        # a new structure, or the last one drawn from another step when it matters: lay it
        # out (the highlight is a CSS class)
        if key != self._tape_key or urgent and stale:
            if not urgent and self.clock.now() - self._rendered_at < _RENDER_EVERY:
                return None
            self._tape_key, self._rendered_at = key, self.clock.now()
            self._tape_from = drawn_from
            try:
                full = build()
                graph = full.collapse(max_nodes=self.max_nodes)
                self._tape_svg = layout_svg(to_dot(graph))
            except Exception as exc:  # retried when the structure changes
                self._report_error("tape layout", exc, push=False)
                self._tape_graph = self._tape_full = None
                return None
            self._tape_graph, self._tape_full = graph, full
        graph = self._tape_graph
        if graph is None:
            return None
        shown = (graph.visible_id(paused_node) if paused_node else None) or ""
        return self._tape_svg, f"{title} ({len(graph.nodes)} nodes shown)", shown

    def _node_id_of(self, node) -> str:
        """The id of `node` (a dispatch Node) in the tape shown, or of its group; else ""."""
        full, view = self._tape_full, self._tape_graph
        if full is None or view is None:
            return ""
        return view.visible_id(full.id_of(node) or "") or ""

    def _tape_source(self, state: str, Graph):
        """(structure key, what it is built from, graph builder, title, node id to highlight)
        or None. A failed loop's tape is the step that failed, as far as it ran, with the op
        that raised (red, viz/failure.py), else the last step before the error: its title
        says which."""
        from .failure import FAILED_ID, add_failed_op
        if self.runner is None or self.recorder is not None:
            step = self.recorder.last_step if self.recorder is not None else None
            if step is None:
                return None
            key = tuple((rop.op, rop.scope, rop.phase) for rop in step.ops)
            return key, (step,), lambda: Graph.from_step(step), f"step {step.number}", None
        with self._data_lock:
            paused = self.runner.paused_at if state == "paused" else None
            error = self.runner.error if state == "failed" else None
            in_progress = (paused is not None or error is not None) and bool(self._ops)
            nodes, grads = (self._ops, self._grads) if in_progress else \
                (self._last_ops, self._last_grads)
            nodes, grads = [n for n in nodes if n.phase == "forward"], dict(grads)
        failed_op = in_progress and error is not None and hasattr(error, "input_values")
        if not nodes:
            return None
        highlight = FAILED_ID if failed_op else None
        if paused is not None:   # a backward op is shown at the forward node whose VJP ran it
            at = paused.forward_node
            highlight = next((f"n{i}" for i, n in enumerate(nodes) if n is at), None)
        key = tuple((n.op.name, n.scope, n.output._value.shape) for n in nodes) + (
            (state, id(error)) if error is not None else ())
        step = self._step_offset + self._steps
        ops = f"{len(nodes)} taped op{'' if len(nodes) == 1 else 's'}"
        if error is not None and in_progress:   # not a finished step: said so
            title = f"step {step + 1}, failed: its {ops}" + (
                " and the op that raised" if failed_op else "")
        elif error is not None:
            title = f"step {step}, the last before the error: {ops}"
        elif in_progress:
            title = f"step {step + 1} so far: {ops}"
        else:
            title = f"step {step}: {ops}"

        def build():
            graph = Graph.from_nodes(nodes, grads)
            if failed_op:
                add_failed_op(graph, error)
            return graph
        return key, tuple(nodes), build, title, highlight

    # ---- the alerts -------------------------------------------------------------------------
    def _alerts(self, state: str, relaid: bool):
        """The alerts to show now, else None: not due (less than a second since the last
        diagnosis while the loop runs; nothing new since it). Due at once on a pause, at the
        end, and when a new tape is drawn (their node ids point into it)."""
        if not self.show_alerts or self.mode == "none":
            return None
        with self._data_lock:
            version = self._version
        if version == self._diagnosed_version and not relaid:
            return None
        urgent = relaid or state == "paused" or state in _ENDED or \
            self.recorder is not None and not self.recorder.recording
        if not urgent and self.clock.now() - self._diagnosed_at < _DIAGNOSE_EVERY:
            return None
        self._diagnosed_at, self._diagnosed_version = self.clock.now(), version
        try:
            return self._runner_alerts() if self.runner is not None and self.recorder is None \
                else self._recorder_alerts()
        except Exception as exc:   # the charts go on; said in the error line
            self._report_error("alerts", exc, push=False)
            return None

    def _stop_suspect(self) -> None:
        for recorder in (self._suspect, self._opening):
            if recorder is not None and recorder.recording:
                recorder.stop()

    def _runner_alerts(self) -> list:
        """`diagnose` of the first step that made NaN/Inf (where it was born) and of the last
        finished step (its taped ops and variables' gradients), each alert with its step."""
        with self._data_lock:
            nodes = [n for n in self._last_ops if n.phase == "forward"]
            gradients, step, nan_step = dict(self._gradients), self._last_step, self._nan_step
            suspect = self._suspect
        if suspect is not None and not self._diverged:
            stopped = not suspect.recording   # read first: then its steps are all there
            steps = [s for s in suspect.steps if s.complete]
            self._diverged = [(f, _step_holding(steps, f.node)) for f in diagnose(history=steps)
                              if f.kind in ("divergence", "gradient_ascent")]   # or why it grows
            if stopped and not self._diverged:
                with self._data_lock:   # nothing in it: the next rising run starts another
                    self._suspect = None
        groups = [(number, [], [finding]) for finding, number in self._diverged]
        if nan_step is not None:
            number, nan_nodes = nan_step
            groups.insert(0, (number, nan_nodes,
                              [f for f in diagnose(nan_nodes) if f.kind == "nan"]))
        last = diagnose(nodes, gradients=gradients or None) if nodes else []
        said = {f.kind for f in last}
        groups += [(number, [], [finding]) for finding, number in self._opening_findings()
                   if finding.kind not in said]
        if nodes:
            groups.append((step, nodes, [f for f in last if nan_step is None or f.kind != "nan"]))
        alerts = []
        for number, step_nodes, findings in groups:
            for alert in alert_list(findings, step_nodes, self._node_id_of,
                                    MAX_ALERTS - len(alerts)):
                alerts.append({**alert, "step": number})
        return alerts

    def _opening_findings(self) -> list:
        """[(finding, its step)] of the first steps' Recorder, once it stopped (or the loop
        ended before): what only whole steps show; the rest come from the last step's ops."""
        with self._data_lock:
            opening = self._opening
        whole_run = opening is not None and opening.recording and self.runner.state in _ENDED
        if whole_run:
            opening.stop()   # a run shorter than the opening steps
        if opening is not None and not opening.recording:
            steps = [s for s in opening.steps if s.complete]
            found = diagnose(opening) if steps else []
            if whole_run and not any(f.kind == "gradients_not_applied" for f in found):
                found += never_applied_in_run(steps, earlier=1)   # (it began after step 1)
            self._opened = [(f, _step_holding(steps, f.node)) for f in found
                            if f.kind not in _OVER_STEPS]
            with self._data_lock:
                self._opening = None   # its steps go: the findings are kept
        return self._opened

    def _recorder_alerts(self) -> list:
        """`find_alerts` over the recorder's steps, as `TapeWidget(recorder)` shows them, with
        node ids in the step the tape shows (its step; else their messages name theirs)."""
        recorder = self.recorder
        scene = Scene(recorder)
        last, steps = recorder.last_step, recorder.steps
        if last is None:
            return []
        scene.show_step(next(i for i, s in enumerate(steps) if s is last))
        return [{**alert, "step": last.number if alert["node"] else None}
                for alert in find_alerts(scene, self._node_id_of)]


def _norm(value) -> float:
    """The L2 norm of a gradient; inf where float32's overflows, which the alerts report
    (numpy's RuntimeWarning would point at numpy's own line, from the training thread)."""
    with np.errstate(over="ignore"):
        return float(np.linalg.norm(value.reshape(-1)))


def _step_holding(steps, node):
    """The number of the recorded step among `steps` that ran `node`, else None."""
    return next((step.number for step in steps if any(rop.node is node for rop in step.ops)),
                None)


def _runner_status(runner) -> str:
    """A line like "paused after matmul at train.py:12" or "running: 12 steps"."""
    state, point = runner.state, runner.paused_at
    if state == "paused" and point is not None:
        what = f"VJP of {point.op_name}" if point.kind == "vjp" else point.op_name
        source = point.source
        where = f" at {source.location}" if source else ""
        update = point.kind == "op" and getattr(point.node.op, "kind", "") == "update"
        return f"paused after {what}{where} ({'optimizer update' if update else point.phase})"
    if state == "failed" and runner.error is not None:   # its message: the error box, once
        return f"failed: {type(runner.error).__name__} (the error below)"
    if state == "idle":
        return "idle: not started"
    loss = runner.last_loss
    return state if loss is None else f"{state} (loss {loss:.5g})"


def check_watched(call: str, runner, recorder) -> None:
    """Refuse what a dashboard cannot watch before it subscribes (a training function or a
    Recorder given as the runner failed in the timer thread, a bare AttributeError)."""
    from ..debugger.recorder import Recorder
    from ..debugger.runner import Runner
    if runner is not None and not isinstance(runner, Runner):
        hint = ("a Recorder is watched read-only: Dashboard(recorder=rec)"
                if isinstance(runner, Recorder) else
                "to run a training function here: dashboard.train(train, *args)"
                if callable(runner) else "Dashboard(Runner(train, *args)) or "
                                         "dashboard.train(train, *args)")
        raise DTypeError(call, f"runner must be a tapeviz.debugger.Runner; got "
                               f"{describe(runner)}", hint=hint)
    if recorder is not None and not isinstance(recorder, Recorder):
        raise DTypeError(call, f"recorder must be a tapeviz.debugger.Recorder; got "
                               f"{describe(recorder)}",
                         hint="rec = tapeviz.debugger.Recorder(); Dashboard(recorder=rec); "
                              "then with rec: ...")


def _raised_at(exc: BaseException) -> str:
    """Where in the user's code `exc` was raised, said after its message, unless the message
    says it (an OpError's names the user's line)."""
    traceback_ = exc.__traceback__
    if getattr(exc, "source", None) is not None or traceback_ is None:
        return ""
    while traceback_.tb_next is not None:
        traceback_ = traceback_.tb_next
    source = source_from(traceback_.tb_frame)
    if source is None:
        return ""
    return f"\n  at {source}" + (f"\n      {source.line}" if source.line else "")
