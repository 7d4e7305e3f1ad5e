"""What the Dashboard's browser view sends: a button's action, acted on the Runner, and the
charts of an ended run as the browser drew them, kept in the saved twin."""
from __future__ import annotations

_ACTIONS = ("pause", "step_op", "step_vjp", "resume", "stop")


class Controls:
    """Part of `Dashboard`: its messages from the browser."""

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
        summary = f"{self.step_count} steps, {self.state}" + (
            f" ({self.status})" if self.status else "")
        if self.state in ("failed", "refused") and self.error:   # the twin has no error box
            summary = f"{self.step_count} steps, {self.error}"
        tape = (self.tape_title, self.svg) if self.svg.startswith("<svg") else None
        alerts = [(alert["label"], alert["message"]) for alert in self.alerts]
        self.saved_twin.update(dashboard_twin_bundle(
            summary, [(c["title"], c["svg"]) for c in charts],
            [(item["text"], item["colour"]) for item in legend], tape, alerts), raw=True)
