"""The live training dashboard: loss, gradient norms, state, the step's tape and the controls.

`Dashboard` is an anywidget that watches a training loop run by a `tapeviz.debugger.Runner`
(with Pause / Step op / Step gradient / Resume / Stop buttons acting on it) or, read-only, any
loop while a `tapeviz.debugger.Recorder` is on. Events are synchronous and cheap
(ARCHITECTURE.md), so the work per dispatch event is tiny: the subscriber appends to plain
lists (`dashboard_steps.py`). A timer thread pushes the traits to the browser at most
`max_rate` times a second, in one message per push, with the step's tape
(`dashboard_tape.py`: laid out about once a second at most) and the debugger's alerts
(`dashboard_alerts.py`: diagnosed about once a second at most, never in the subscriber).
Both throttles read time from a `Clock` (`dashboard_status.py`: real time unless one is
passed), so tests drive them turn by turn. Errors raised in any callback land in the `error`
trait, which the front end shows; the buttons and the ended run's charts come back through
`dashboard_controls.py`."""
from __future__ import annotations

import math
import numbers
import threading
import traceback
from collections import deque

from .. import events
from ..arguments import count, flag
from ..debugger.sorted_batches import COUNTED
from ..errors import MisuseError, bad_argument
from .dashboard_alerts import RunAlerts
from .dashboard_controls import Controls
from .dashboard_status import ENDED, Clock, Status, check_clock, check_watched
from .dashboard_steps import NORMS_TITLE, StepLog
from .dashboard_tape import StepTape
from .front import STATIC, module
from .jupyter_extra import anywidget, traitlets
from .series import Series, chart_number, check_settings


class Dashboard(StepLog, StepTape, RunAlerts, Controls, Status, anywidget.AnyWidget):
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
    # text, not a path: anywidget watches a path's file for every instance through a signal
    # that holds each instance for good (anywidget issue 929), a closed Dashboard and its run
    _css = (STATIC / "dashboard.css").read_text(encoding="utf-8")

    mode = traitlets.Unicode("none").tag(sync=True)        # "runner", "recorder" or "none"
    state = traitlets.Unicode("idle").tag(sync=True)       # the runner's state, or recording
    status = traitlets.Unicode("").tag(sync=True)          # e.g. "paused after matmul at a.py:3"
    step_count = traitlets.Int(0).tag(sync=True)
    loss = traitlets.Dict({}).tag(sync=True)               # Series.to_bytes(): its buckets
    grad_norms = traitlets.List([]).tag(sync=True)         # [{"name", **Series.to_bytes()}]
    norms_title = traitlets.Unicode(NORMS_TITLE.format("variable")).tag(sync=True)
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
        max_nodes = count("Dashboard", "max_nodes", max_nodes, minimum=1)
        show_tape = flag("Dashboard", "show_tape", show_tape)
        show_alerts = flag("Dashboard", "show_alerts", show_alerts)
        check_clock("Dashboard", clock)
        check_watched("Dashboard", runner, recorder)
        super().__init__(**kwargs)
        self._own_layout = None if "layout" in kwargs else self.layout
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
        self._closed = threading.Event()   # the running timer's: set, it ends (one a timer)
        self._timer: threading.Thread | None = None
        self._errors: list = []
        self.saved_twin = None   # the display of its saved twin (tapeviz.viz.saved), if shown
        self._reset()
        self.on_msg(self._on_msg)
        if runner is not None or recorder is not None:
            self.attach(runner, recorder)
        else:   # no timer ticks yet: the view says how to start, not a bare 'idle'
            self.state, self.status, self.controls = self._describe()

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
        # a timer of its own to end: one a detach left finishing its turn may not go on
        closed = self._closed = threading.Event()
        self._timer = threading.Thread(target=self._loop, args=(closed,), daemon=True,
                                       name="tapeviz-dashboard")
        self._timer.start()
        return self

    def train(self, train_fn, *args, **kwargs):
        """Run `train_fn(*args, **kwargs)`, the whole training loop (a function of one step
        trains once), in a new Runner shown here; returns the runner."""
        from ..debugger import Runner
        runner = Runner.made_by("Dashboard.train", train_fn, args, kwargs)   # in its words
        if self.runner is not None and self.runner.state in ("running", "paused"):
            raise MisuseError("Dashboard.train", f"the training this dashboard started is still "
                                                 f"{self.runner.state}; a second one would "
                                                 f"train the same variables at the same time",
                              hint="stop it first, dashboard.runner.stop(), or wait for it: "
                                   "dashboard.runner.join()")
        self.attach(runner, self.recorder)
        return runner.start()

    def detach(self) -> None:
        """Stop listening: unsubscribe from dispatch and end the timer thread. Returns at once:
        a timer between turns ends now (joined); one in a turn (a tape's layout, a diagnosis:
        seconds on a loaded machine) ends after the stage in progress, pushing nothing."""
        events.unsubscribe(self._on_event)
        events.settle_thread()   # the timer may have unsubscribed first, on its own thread
        self._stop_suspect()
        self._closed.set()
        timer, self._timer = self._timer, None
        if timer is None or timer is threading.current_thread():
            return
        if self._push_lock.acquire(blocking=False):   # (not in a turn: the next sees it closed)
            self._push_lock.release()
            timer.join()

    def close(self) -> None:
        """Detach, then close the widget and the layout it made (ipywidgets leaves a widget's
        layout registered, its comm open, after the widget closes; one given may be shared)."""
        if hasattr(self, "_closed"):   # not one refused in __init__
            self.detach()
        self._close_widget()

    def __del__(self):
        """Collected, so detached already (its subscription or its timer would hold it):
        the widget alone is closed. detach() here would wait for events' lock, which the
        collection may be running under (a subscribe's), for good."""
        self._close_widget()

    def _close_widget(self) -> None:
        layout = getattr(self, "_own_layout", None)   # (None: given, or refused in __init__)
        super().close()
        if layout is not None:
            layout.close()

    def history(self) -> dict:
        """{"loss": (steps, values), "grad_norms": {name: (steps, values)}}, as lists: every
        step while the run is at most `max_points` steps long, then each bucket's last."""
        with self._data_lock:
            return {"loss": self._loss.points(),
                    "grad_norms": {name: s.points() for name, s in self._norms_in_made_order()}}

    def __repr__(self) -> str:
        """One line for terminal IPython and the text/plain fallback."""
        if self.mode == "none" or not hasattr(self, "_loss"):
            return "<Dashboard: not attached>"
        with self._data_lock:
            values = self._loss.points()[1]
        loss = f", loss {chart_number(values[-1])}" if len(values) else ""
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
        self._norms_title = NORMS_TITLE.format("variable")   # torch's: "... per parameter"
        self._made: dict = {}            # variable name -> the order it was made in
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
        self._batches = deque(maxlen=COUNTED)   # (step, its classifier loss node), the last
        self._unclassified = 0           # ... steps looked at that had none, before any had
        self._diverged: list = []        # the divergence findings it gave, with their step
        self._diagnosed_at = -math.inf   # clock time of the last diagnosis
        self._diagnosed_version = -1

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
    def _loop(self, closed: threading.Event) -> None:
        interval = 1.0 / self.max_rate
        try:
            while not self.clock.wait(closed, interval):
                try:
                    if self._tick(closed):   # the loop ended and its final state is pushed:
                        events.unsubscribe(self._on_event)   # give dispatch its fast path back
                        self._stop_suspect()
                        return
                except Exception as exc:
                    self._report_error("dashboard update", exc)
        finally:
            # a mode an unsubscribe put here (a Recorder still listened) goes with this
            # thread, or the module hooks stay for it after the last listener
            events.settle_thread()

    def flush(self) -> None:
        """Push the current state to the browser now (the timer does this on its own)."""
        with self._push_lock:
            self._tick()

    def _tick(self, closed: threading.Event | None = None) -> bool:
        """Push what changed (in one message); True once a runner has ended and all is shown.
        The timer's turn (`closed`: its event) stops, pushing nothing, once it is detached."""
        with self._push_lock:
            if closed is not None and closed.is_set():
                return False
            if self.recorder is not None and self.runner is None:
                self._poll_recorder()
            state, status, controls = self._describe()
            # the steps done read before the tape's layout and the alerts (either can take
            # several steps' time on a loaded machine: a layout once left the title at step 5
            # over a counter at 7), and again with the tape's nodes: a step that ended
            # between the two reads is counted, so the title never names a step the counter
            # has not reached ("step 2" over "1 step done")
            with self._data_lock:
                version = self._version
                series = None
                if version != self._pushed_version:
                    series = (self._loss.to_bytes(),
                              [{"name": self._labels.get(name, name), **s.to_bytes()}
                               for name, s in self._norms_in_made_order()], self._norms_title)
                # steps done; for a recorder alone, the last read step's number (it may have
                # dropped older ones), as its title says "step 3" of the third
                steps = self._step_offset + self._steps if self.runner is not None \
                    else self._last_recorded + 1
            if self.runner is not None:
                steps = max(steps, self.runner.step_count)
            drawn = self._tape_full
            tape = self._tape(state)
            if closed is not None and closed.is_set():
                return False   # (detached while it laid out the tape)
            if tape is not None:
                *tape, done = tape
                steps = max(steps, done or 0)
            alerts = self._alerts(state, relaid=self._tape_full is not drawn)
            if closed is not None and closed.is_set():
                return False
            with self._data_lock:   # (with an error the alerts met)
                errors = "\n".join(self._errors)
            with self.hold_sync():
                self.state, self.status, self.controls = state, status, controls
                self.step_count, self.error = steps, errors
                if series is not None:
                    self.loss, self.grad_norms, self.norms_title = series
                if tape is not None:
                    self.svg, self.tape_title, self.highlight = tape
                if alerts is not None and alerts != self.alerts:
                    self.alerts = alerts
                self._pushed_version = version
            return self.runner is not None and state in ENDED and version == self._version
