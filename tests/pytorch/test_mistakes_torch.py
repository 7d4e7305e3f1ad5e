"""A new user's mistakes in a torch loop under tapeviz.torch.record(), each made on purpose:
torch's own error keeps its type and message, tapeviz's note says the layer, what it takes,
what came and the fix, and the next correct call records."""
import pytest
import torch

import tapeviz.torch as tvt


@pytest.mark.parametrize("batch, said", [
    (lambda: torch.randn(8, 5),
     "the layer takes 3 input features, nn.Linear(3, 4), and the input's last axis has 5: "
     "make it nn.Linear(5, 4), or give it 3 features"),
    (lambda: torch.randn(8, 1, 3, 1),
     "the layer takes 3 input features, nn.Linear(3, 4), and the input's last axis has 1: "
     "flatten each example first, x.flatten(1) or nn.Flatten() before the layer, shape (8, 3)"),
], ids=["another-width", "not-flattened"])
def test_a_linear_layer_given_another_number_of_features_says_what_it_takes(batch, said):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    x = batch()
    with pytest.raises(RuntimeError, match="cannot be multiplied") as raised, tvt.record():
        model(x)
    note = "\n".join(raised.value.__notes__)
    assert "linear in layer model[0] (Linear) was given input float32" in note
    assert note.endswith(f"\n  hint: {said}"), note
    assert "test_mistakes_torch.py:" in note
    with tvt.record() as tape:
        model(torch.randn(8, 3)).sum().backward()
    assert [node.op.name for node in tape.nodes][:3] == ["linear", "relu", "linear"]


def test_break_on_torchs_qualified_name_names_the_op_meant():
    from tapeviz import debugger
    with pytest.raises(ValueError, match="ops are named without their module: did you mean "
                                         "'linear'"):
        debugger.break_on(op="torch.nn.functional.linear")
    assert debugger.breakpoints() == []


def test_a_call_raising_out_of_a_record_block_is_drawn_failed_by_its_widget():
    from tapeviz.viz.widget import TapeWidget
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        with tvt.record() as tape:
            y = model(torch.randn(8, 3))
            y @ torch.ones(3, 3)                     # (8, 1) @ (3, 3)
    widget = TapeWidget(tape, check_later=False)
    assert 'class="node kind&#45;failed"' in widget.svg and len(tape.nodes) == 3
    [alert] = widget.alerts
    assert alert["message"].startswith("matmul failed at ") and alert["node"] == "failed"
    assert "test_mistakes_torch.py" in alert["message"]
    assert tape.raised.input_values[0].shape == (8, 1)
    with torch.no_grad():
        y.fill_(7.0)                                  # changed in place after the error:
    assert not (tape.raised.input_values[0] == 7.0).any()   # the drawn value is a copy
    widget.close()   # (an open widget keeps its tape, and the failed forward's graph with it)
    with tvt.record() as again:                       # the next block records, and ends well
        model(torch.randn(8, 3)).sum().backward()
    assert again.raised is None and len(again.nodes) == 4


def test_a_tapeviz_torch_cell_failing_in_a_layer_draws_the_call_that_raised(kernel_shell):
    from tapeviz.ipython import magic
    shell = kernel_shell
    shell.run_line_magic("load_ext", "tapeviz")
    shown = []
    original, magic.display = magic.display, shown.append
    try:
        shell.user_ns.update(model=torch.nn.Sequential(torch.nn.Linear(3, 4)),
                             x=torch.randn(8, 5))
        result = shell.run_cell("%%tapeviz --torch\nout = model(x)\n")
        assert isinstance(result.error_in_exec, RuntimeError)
        [widget] = shown
        failed = widget.graph.nodes["failed"]
        assert failed.op == "linear" and failed.label.startswith("✗ linear failed")
        assert widget.alerts[0]["message"].startswith("linear failed at Cell In[")
    finally:
        magic.display = original
        shell.run_line_magic("unload_ext", "tapeviz")


def test_backward_twice_on_one_loss_says_the_first_freed_the_graph_at_the_users_line():
    model = torch.nn.Linear(3, 1)
    with pytest.raises(RuntimeError, match="backward through the graph a second time") \
            as raised, tvt.record():
        loss = model(torch.randn(4, 3)).sum()
        loss.backward()
        loss.backward()
    [note] = raised.value.__notes__
    assert note.startswith("tapeviz: an earlier backward pass freed this graph: backward() "
                           "frees the graph it runs through")
    assert "test_mistakes_torch.py:" in note and "loss.backward()" in note
    with tvt.record() as again:
        model(torch.randn(4, 3)).sum().backward()
    assert len(again.steps) > 0


def test_a_batch_on_another_device_than_the_model_says_move_it_where_the_model_is():
    model = torch.nn.Linear(3, 2)
    x = torch.randn(4, 3, device="meta")       # another device, on a machine without a GPU
    with pytest.raises(RuntimeError, match="device") as raised, tvt.record():
        model(x)
    note = "\n".join(raised.value.__notes__)
    assert note.endswith("\n  hint: the input is on meta and the weight on cpu: move each batch "
                         "where the model is, x.to(device) with the device model.to(device) "
                         "was given (or next(model.parameters()).device)"), note
    assert model(torch.randn(4, 3)).shape == (4, 2)         # a batch on the model's device
