"""The Dashboard's tape: the step it shows laid out (Graphviz, ~10 ms and up) at most about once
a second and only when its structure changed, or at once when the loop pauses or ends; a
paused loop's op outlined, a failed one's drawn in red (viz/failure.py)."""
from __future__ import annotations

from .dashboard_status import ENDED

_RENDER_EVERY = 1.0  # seconds between tape layouts while the loop runs


class StepTape:
    """Part of `Dashboard`: which step's tape to show, its layout and its nodes' ids."""

    def _tape(self, state: str):
        """(svg, title, highlight, steps done as read with the step shown, or None) to show
        now, else None (nothing new to show).

        The title and the highlight follow every push; a new structure is laid out at most
        once a second (at once on a pause or the end), the last layout showing meanwhile. On
        a pause or the end, a layout of an earlier step of the same structure is laid out
        again from the step shown: its values, and the nodes its alerts name, are that
        step's (a loop slower than the timer, as on a loaded machine, ended showing step 3
        titled step 20, and the alert on step 20's op found no node in it)."""
        if not self.show_tape:
            return None
        urgent = state == "paused" or state in ENDED or self.recorder is not None and \
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
        key, drawn_from, build, title, paused_node, done = source
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
        if paused_node is not None and not isinstance(paused_node, str):   # a variable
            paused_node = self._tape_full.id_of(paused_node)
        shown = (graph.visible_id(paused_node) if paused_node else None) or ""
        return self._tape_svg, f"{title} ({len(graph.nodes)} nodes shown)", shown, done

    def _node_id_of(self, node) -> str:
        """The id of `node` (a dispatch Node) in the tape shown, or of its group; else ""."""
        full, view = self._tape_full, self._tape_graph
        if full is None or view is None:
            return ""
        return view.visible_id(full.id_of(node) or "") or ""

    def _tape_source(self, state: str, Graph):
        """(structure key, what it is built from, graph builder, title, node id to highlight,
        or the variable an optimizer's update paused after wrote: the tape draws no update,
        the steps done as read with its nodes, None for a recorder's) or None. A failed
        loop's tape is the step that failed, as far as it ran, with the op that raised (red,
        viz/failure.py), else the last step before the error: its title says which."""
        from .failure import FAILED_ID, add_failed_op
        if self.runner is None or self.recorder is not None:
            step = self.recorder.last_step if self.recorder is not None else None
            if step is None:
                return None
            key = tuple((rop.op, rop.scope, rop.phase) for rop in step.ops)
            return key, (step,), lambda: Graph.from_step(step), f"step {step.number}", None, \
                None
        with self._data_lock:
            paused = self.runner.paused_at if state == "paused" else None
            error = self.runner.error if state == "failed" else None
            in_progress = (paused is not None or error is not None) and bool(self._ops)
            nodes, grads = (self._ops, self._grads) if in_progress else \
                (self._last_ops, self._last_grads)
            nodes, grads = [n for n in nodes if n.phase == "forward"], dict(grads)
            # steps done: the nodes are the last one's, or (paused, failed) the next one's so far
            step = self._step_offset + self._steps
        failed_op = in_progress and error is not None and hasattr(error, "input_values")
        if not nodes:
            return None
        highlight = FAILED_ID if failed_op else None
        if paused is not None:   # a backward op is shown at the forward node whose VJP ran it
            at = paused.forward_node
            highlight = next((f"n{i}" for i, n in enumerate(nodes) if n is at), None)
            if highlight is None and paused.kind == "op" and getattr(at.op, "kind", "") == "update":
                highlight = getattr(at.inputs[0], "variable", at.inputs[0])
        key = tuple((n.op.name, n.scope, n.output._value.shape) for n in nodes) + (
            (state, id(error)) if error is not None else ())
        # the ops a student wrote to compute the loss, on both engines ('taped ops' was TF's
        # word, and a torch user keeps no tape)
        ops = f"{len(nodes)} op{'' if len(nodes) == 1 else 's'} of the forward pass"
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
        return key, tuple(nodes), build, title, highlight, step
