"""The tape widget's first view, checked after it is shown.

In a kernel, a step opens in two updates: the first view (the boxes, labels and edges, laid
out; blocks told alike by their ops alone), which the browser draws while the kernel goes
on, once the cell's code has returned, with the checks of every value (NaN/Inf marks), of
each op's shape and dtype (a ×N box's blocks) and the alerts (the first a NaN's origin: the
view opens there, `_show_alerts`). Until then `checking` says so
and the JS draws every box as unchecked, so no box is shown clean before its values were
looked at. Reading `svg` or `alerts` in Python, or any action, finishes the checks first, so
code never sees the unchecked state. `DeferredChecks` is TapeWidget's base that runs them
once, on one thread at a time; the traits and the kernel hooks it needs are here too."""
from __future__ import annotations

import asyncio
import sys
import threading

from .jupyter_extra import traitlets
from .panel import find_alerts

# what the first view says until its values (and its ×N boxes' blocks) are checked: what the
# faded boxes mean and when that ends, in a newcomer's words
CHECKING = "values not yet checked for NaN/Inf: boxes stay faded and dashed until the cell " \
    "finishes"


class _Checked:
    """A trait whose value the first view leaves unchecked: reading it in Python finishes the
    checks (`TapeWidget.finish_checks`, or waits for another thread's); sending it to the
    browser does not."""

    def get(self, obj, cls=None):
        if obj is not None and "_checks_lock" in obj.__dict__ \
                and obj.__dict__.get("_sending") != threading.get_ident():
            obj.finish_checks()
        return super().get(obj, cls)


class _CheckedUnicode(_Checked, traitlets.Unicode):
    pass


class _CheckedList(_Checked, traitlets.List):
    pass


def _running_loop():
    """The event loop running this code (a kernel's, while a cell runs), or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _after_this_cell(callback) -> bool:
    """Call `callback()` once the running cell's code has returned (IPython's post_execute,
    which a silent execution triggers too, unlike post_run_cell), while the kernel still
    answers that cell: what it sends stays the cell's output, which nbclient and nbconvert
    keep too. False where no cell runs (a widget's message handler)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    get_parent = getattr(getattr(shell, "kernel", None), "get_parent", None)
    if get_parent is None:   # no kernel, or one without ipykernel 6's get_parent
        return False
    parent = get_parent() or {}
    if parent.get("header", {}).get("msg_type") != "execute_request":
        return False

    def once() -> None:
        shell.events.unregister("post_execute", once)
        callback()
    shell.events.register("post_execute", once)
    return True


class DeferredChecks:
    """The checks a first view leaves, run once (`finish_checks`) after the cell returns or
    before anything reads what they change; the widget sets `_checks_lock`, `_checks_pending`
    and `_after_checks` before its traits. The alerts found are shown by `_show_alerts`, which
    opens the view where a NaN/Inf was born."""

    def finish_checks(self) -> None:
        """Check the values the first view left unchecked (NaN/Inf marks, redrawn when one is
        found) and find the alerts: the shown step complete, as one update; once a step. Called
        while another thread runs them, it waits for them."""
        with self._checks_lock:
            if not self._checks_pending:
                return
            self._checks_pending = False   # (what the checks read does not start them again)
            try:
                with self.hold_sync():
                    if self._graph is None:   # an outline was drawn: built, drawn again
                        self._rebuild()
                    elif self._graph.check_values():   # a NaN/Inf mark: its boxes change
                        self._redraw()
                    self._show_alerts(find_alerts(self._scene, self._node_id_of))
                    self.checking = ""
            except BaseException:   # still unchecked: the next read tries again, not []
                self._checks_pending = True
                raise
            callbacks, self._after_checks = self._after_checks, []
        for callback in callbacks:
            callback()

    def _show_alerts(self, alerts: list) -> None:
        """Show `alerts`; a NaN/Inf's origin among them opens the view (`opened_at`: brought
        into the pane), selected and inspected unless the reader chose a node: the graph opened
        at its top and the op that made the NaN, a log at the loss, lay below the pane."""
        self.alerts = alerts
        first = alerts[0] if alerts else {}
        born = self._graph.nodes.get(first.get("node")) if first.get("kind") == "nan" else None
        if not getattr(born, "bad_value", False):   # (another step's alert names its op here)
            return
        self.opened_at = first["node"]
        if not self.selected:
            self.selected = first["node"]

    def when_checked(self, callback) -> None:
        """Call `callback()` once the shown step is checked (now, when it is)."""
        with self._checks_lock:   # checks running on another thread: called once they end
            if self._checks_pending:
                self._after_checks.append(callback)
                return
        callback()

    def get_state(self, key=None, drop_defaults=False):
        """The state sent to the browser: the first view as it is, unchecked traits too."""
        self._sending = threading.get_ident()   # this thread's reads leave the checks
        try:
            return super().get_state(key, drop_defaults)
        finally:
            self._sending = None

    def _schedule_checks(self) -> None:
        """The checks after the first view: at the end of the running cell, or, from a
        message handler (the slider), once the handler has returned to the kernel's loop."""
        def check() -> None:
            self._guarded(self.finish_checks)
        if not _after_this_cell(check):
            loop = _running_loop()
            if loop is not None:
                loop.call_soon(check)
