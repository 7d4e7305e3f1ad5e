"""What the tape widget sends its front end: a step, and a selection with its inspector, go out
as one state update each (no browser needed)."""
import tapeviz as tf
from tapeviz.viz.widget import TapeWidget


class _Comm:
    """A front end's comm that keeps the state updates the widget sends it."""
    comm_id, kernel = "tv-test", True

    def __init__(self):
        self.updates = []

    def send(self, data=None, buffers=None):
        if data and data.get("method") == "update":
            self.updates.append(set(data["state"]))

    def on_msg(self, callback):
        pass

    def close(self, *args, **kwargs):
        pass


def test_a_step_and_a_selection_reach_the_browser_in_one_update():
    """What a step changes (strip, highlight, selection, graph, inspector) and a selection
    with its inspector go out as one update each: the browser never paints a new selection
    beside the previous node's inspector (no browser needed)."""
    w = tf.Variable(0.5, name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.abs(3.0 - w * 2.0)
    widget = TapeWidget(tape, target=loss, sources=[w])
    comm = widget.comm = _Comm()
    try:
        for _ in range(2):
            comm.updates.clear()
            widget._on_message(widget, {"action": "step"}, [])
            assert len(comm.updates) == 1, comm.updates
            assert {"stepper", "highlight", "selected", "inspector"} <= comm.updates[0]
        comm.updates.clear()
        widget.selected = "n0"
        assert comm.updates == [{"selected", "inspector"}]
        assert widget.inspector["id"] == "n0"
    finally:
        widget.comm = None

