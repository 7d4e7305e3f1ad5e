"""What a TapeWidget does with what the browser sends: a new selection or step index (set by
a click, the slider or code) carried out in one update with what it changes, and the buttons'
messages run as actions whose errors land in the `error` trait. `BrowserMessages` is
TapeWidget's base; the widget's own methods (`step`, `toggle`, `_load_step`, ...) do the work."""
from __future__ import annotations

import traceback


class BrowserMessages:
    """The trait observers and message handler TapeWidget registers in its `__init__`."""

    def notify_change(self, change):
        """A new selection or step (set in code or by the browser) goes out in one update with
        what its observer changes (the inspector, the graph)."""
        if change["name"] in ("selected", "step_index"):
            with self.hold_sync():
                return super().notify_change(change)
        return super().notify_change(change)

    def _on_select(self, change) -> None:
        if not self._following:
            self._guarded(self._select, change["new"])

    def _select(self, node_id: str) -> None:
        self.finish_checks()
        view_node = self._view.nodes.get(node_id) if node_id else None
        if view_node is not None and view_node.kind == "group":
            self._expanded.add(node_id)   # a click on a collapsed group opens it
            self.selected = ""            # the group is gone from the view it opens into
            self._redraw()
        elif node_id and view_node is None and node_id in self._graph.nodes:
            # an alert or a step named a node inside a collapsed group: open its groups
            self._expanded = set(self._graph.reveal(node_id, self._expanded, self.max_nodes))
            self._redraw()
        else:
            self._inspect()

    def _on_alerts(self, change) -> None:
        """The inspector says where a NaN was born (nan_note.py) from the alerts: found after
        it was drawn (the checks), it is drawn again with them."""
        if self.selected and not self._checks_pending:
            self._inspect()

    def _on_step_index(self, change) -> None:
        def load():
            try:
                self._scene.show_step(change["new"])
            except IndexError:   # the slider back on the step shown, the error said
                self.step_index = self._scene.index
                raise
            self._load_step()
        self._guarded(load)

    def _on_message(self, widget, content, buffers) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        handlers = {
            "step": self.step, "continue": self.continue_, "reset": self.reset,
            "toggle": lambda: self.toggle(content.get("node", "")),
            "break_op": lambda: self.break_here("op"),
            "break_line": lambda: self.break_here("line"),
            "clear_breaks": self.clear_breaks_here, "gradcheck": self.gradient_check,
            "collapse": lambda: self.toggle(self.selected),
            "export_html": lambda: self.send({"type": "download", "filename": "tape.html",
                                              "content": self.to_html()}),
            "refresh": self._refresh_source,
        }
        handler = handlers.get(action)
        if handler is None:
            self.error = f"TapeWidget: unknown action {action!r} from the browser"
            return
        self._guarded(handler)

    def _refresh_source(self) -> None:
        """Pick up steps a live recorder kept since the widget was made."""
        self.step_count = max(1, self._scene.step_count)
        self.step_labels = self._scene.step_labels()
        if self.step_index != self.step_count - 1:
            self.step_index = self.step_count - 1
        else:
            self._load_step()

    def _guarded(self, action, *args) -> None:
        """Run `action`; its error is shown in the widget (and kept in `error`). What it changed
        goes to the browser as one update, the error with it."""
        with self.hold_sync():
            try:
                action(*args)
                self.error = ""
            except Exception as exc:  # shown to the user in the widget, not swallowed
                self.error = f"{type(exc).__name__}: {exc}"
                self._last_traceback = traceback.format_exc()

