"""A torch call that raised inside `tvt.record()`, drawn as the numpy engine draws its op that
raised: wired to the ops that made its inputs, and 'raised, caught' when the user's own
try/except caught it and the block went on (tests/test_viz_caught_failure.py, the numpy
engine's). Were: edges from stand-in leaves of its inputs' shapes only, and no mark at all
for a caught one."""
import pytest
import torch

import tapeviz.torch as tvt

pytest.importorskip("anywidget")
from tapeviz.viz.widget import TapeWidget  # noqa: E402

FAILED_NODE = 'class="node kind&#45;failed"'
CAUGHT_NODE = 'class="node kind&#45;caught"'


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))


def _made_by(widget, node_id: str = "failed") -> list:
    """The labels of the boxes whose arrows reach `node_id` in the widget's graph."""
    graph = widget.graph
    return [graph.nodes[edge.src].label for edge in graph.edges if edge.dst == node_id]


def test_a_call_that_raised_is_wired_to_the_op_that_made_its_input():
    model = _model()
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        with tvt.record() as tape:
            y = model(torch.randn(8, 3))
            y @ torch.ones(3, 3)                     # (8, 1) @ (3, 3)
    widget = TapeWidget(tape, check_later=False)
    try:
        graph = widget.graph
        producer = [edge.src for edge in graph.edges if edge.dst == "failed"]
        assert len(producer) == 2
        # y: the last linear's output, the op box that made it (was a stand-in 'failed:0')
        assert graph.nodes[producer[0]].op == "linear", _made_by(widget)
        assert producer[1] == "failed:1"             # torch.ones(3, 3): made by no op taped
    finally:
        widget.close()


def test_a_call_whose_error_the_users_code_caught_is_drawn_raised_caught():
    model = _model()
    with tvt.record() as tape:
        y = model(torch.randn(8, 3))
        try:
            y @ torch.ones(3, 3)                     # refused, and caught
        except RuntimeError:
            pass
        total = y.sum()
    assert tape.raised is None and tape.caught is not None
    widget = TapeWidget(tape, check_later=False)
    try:
        assert CAUGHT_NODE in widget.svg and "matmul raised, caught" in widget.svg
        assert FAILED_NODE not in widget.svg and "matmul failed" not in widget.svg
        [alert] = [alert for alert in widget.alerts if alert["node"] == "failed"]
        assert alert["message"].startswith("matmul raised at "), alert
        assert "test_torch_failed_calls.py" in alert["message"]
        assert "your code caught it; the tape recorded on" in alert["message"], alert
        assert widget.inspect("failed")["title"].startswith("matmul raised, caught: ")
        assert [node.op.name for node in tape.nodes][-1] == "sum"   # recorded on after it
        assert total.requires_grad
    finally:
        widget.close()


def test_an_error_that_left_the_block_is_the_failure_not_a_caught_one():
    with pytest.raises(RuntimeError):
        with tvt.record() as tape:
            torch.ones(2, 3) @ torch.ones(2, 3)
    assert tape.raised is not None and tape.caught is None
    widget = TapeWidget(tape, check_later=False)
    try:
        assert "matmul failed" in widget.svg and CAUGHT_NODE not in widget.svg
    finally:
        widget.close()


def test_a_recorded_step_that_raised_wires_its_call_to_the_op_that_made_its_input():
    from tapeviz.debugger import Recorder
    model = _model()
    with Recorder() as rec:
        for i in range(3):
            try:
                y = model(torch.randn(8, 3))
                if i == 2:
                    y @ torch.ones(3, 3)             # the last step raises here, caught
                y.sum().backward()
            except RuntimeError:
                pass
    widget = TapeWidget(rec, check_later=False)
    try:
        graph = widget.graph
        made_by = [graph.nodes[edge.src].op for edge in graph.edges if edge.dst == "failed"]
        assert made_by == ["linear", None], _made_by(widget)   # y's maker; torch.ones: none
    finally:
        widget.close()
