"""A new user's first hour on the torch adapter: `tvt.find_nan_origin` given what is not a
recording (a tensor, a Recorder, None) says what it takes, what came and the user's line, not
"'Tensor' object is not callable"; given a Recorder's step, it searches it as
`tapeviz.debugger.find_nan_origin` does."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')

import tapeviz.torch as tvt  # noqa: E402
from raising import assert_names_this_line, raised  # noqa: E402
from tapeviz.debugger import Recorder, find_nan_origin  # noqa: E402

EXPECTED = ("find_nan_origin: expected a tapeviz.torch tape, a function that runs a training "
            "step, a recorded step or a list of nodes; got ")


@pytest.mark.parametrize("given, came, hint", [
    (torch.ones(2), "tensor([1., 1.]) (Tensor)", "record them, `with tapeviz.torch.record() "
                                                 "as tape: ...`, then find_nan_origin(tape)"),
    (Recorder(), "<Recorder stopped: 0 steps", "find_nan_origin(rec.last_step) reads one"),
    (None, "None (NoneType)", "a Recorder's last_step is None until it has recorded a step"),
], ids=["tensor", "recorder", "none"])
def test_find_nan_origin_given_no_recording_says_what_it_takes_and_the_users_line(given, came,
                                                                                  hint):
    err, line = raised(TypeError, lambda: tvt.find_nan_origin(given))
    assert str(err).startswith(EXPECTED + came), str(err)
    assert (err.hint is None) if hint is None else (hint in err.hint), err.hint
    assert_names_this_line(err, line)


def test_find_nan_origin_of_a_recorded_torch_step_finds_the_nan_batch_as_the_debugger_does():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    x = torch.randn(8, 3)
    x[2, 1] = float("nan")
    with Recorder() as rec:
        loss = model(x).mean()
        loss.backward()
    ours = tvt.find_nan_origin(rec.last_step)
    theirs = find_nan_origin(rec.last_step)
    assert ours is not None and ours.op == theirs.op == "linear"
    assert str(ours) == str(theirs)
    assert "already held 1 NaN" in str(ours) and "index [2, 1]" in str(ours)
    with tvt.record() as tape:   # a tape still searched as before
        torch.log(torch.tensor([-1.0]))
    assert tvt.find_nan_origin(tape).op == "log"


@pytest.mark.parametrize("shape, channels, hint", [
    ((8, 28, 28), 1, "conv2d takes a batch as (N, C, H, W): this 3-D input (8, 28, 28) "
                     "reads as one image of 8 channels; give a batch of one-channel images "
                     "its channel axis: x.unsqueeze(1)"),
    ((8, 28, 28, 3), 3, "the input (8, 28, 28, 3) is channels-last (N, H, W, C), as Keras and "
                        "numpy loaders give images; torch's conv2d takes (N, C, H, W): "
                        "x.permute(0, 3, 1, 2)"),
], ids=["no-channel-axis", "channels-last"])
def test_a_conv_given_images_in_keras_layout_says_how_to_make_them_torchs(shape, channels,
                                                                          hint):
    conv = torch.nn.Conv2d(channels, 4, 3)
    images = torch.randn(*shape)
    for listening in (tvt.record, Recorder):
        with pytest.raises(RuntimeError) as raised, listening():
            conv(images)
        note = "\n".join(raised.value.__notes__)
        assert f"conv2d in layer conv was given input float32{list(shape)}" in note, note
        assert note.endswith(f"\n  hint: {hint}"), note
        assert "test_reliability_torch_newcomer.py:" in note and "conv(images)" in note
    fixed = images.unsqueeze(1) if len(shape) == 3 else images.permute(0, 3, 1, 2)
    with tvt.record() as tape:   # the fix runs, and the recording after the error is whole
        conv(fixed)
    assert [node.op.name for node in tape.nodes] == ["conv2d"]


@pytest.mark.parametrize("batch, said", [
    (lambda: torch.from_numpy(np.random.default_rng(0).random((4, 3))),
     "the input is float64 (numpy's default, which torch.from_numpy keeps) and the weight "
     "float32: convert the batch, x.to(torch.float32)"),
    (lambda: torch.ones(4, 3, dtype=torch.long),
     "the input is int64 and the weight float32: convert the batch, x.to(torch.float32)"),
], ids=["float64-numpy", "int64"])
def test_a_batch_of_another_dtype_than_the_weights_says_convert_it(batch, said):
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    x = batch()
    with pytest.raises(RuntimeError, match="must have the same dtype") as raised, tvt.record():
        model(x)
    note = "\n".join(raised.value.__notes__)
    assert note.endswith(f"\n  hint: {said}"), note
    assert "test_reliability_torch_newcomer.py:" in note and "model(x)" in note
    assert model(x.to(torch.float32)).shape == (4, 2)   # the fix


def test_a_linear_layer_on_one_feature_given_a_1d_batch_says_add_its_feature_axis():
    """The lecture's regression in torch, life expectancy as (200,) to nn.Linear(1, 1): was
    torch's 'mat1 and mat2 shapes cannot be multiplied (1x200 and 1x1)' and the shapes."""
    model = torch.nn.Linear(1, 1)
    x = torch.randn(200)
    with pytest.raises(RuntimeError, match="cannot be multiplied") as raised, tvt.record():
        model(x)
    note = "\n".join(raised.value.__notes__)
    assert note.endswith("\n  hint: the input (200,) is 1-D: linear reads it as one example "
                         "of 200 features, and the layer takes 1; give each example its "
                         "feature axis: x.unsqueeze(1), shape (200, 1)"), note
    assert model(x.unsqueeze(1)).shape == (200, 1)   # the fix


def test_an_embedding_given_an_id_out_of_range_gets_no_dtype_hint():
    table = torch.nn.Embedding(5, 2)   # its ids are integers, its weight float: no mismatch
    with pytest.raises(IndexError) as raised, tvt.record():
        table(torch.tensor([7]))
    note = "\n".join(getattr(raised.value, "__notes__", []))
    assert "convert the batch" not in note, note


def test_percent_tapeviz_shows_a_torch_tape_as_the_readme_says_it_shows_any_tape(monkeypatch):
    globalipapp = pytest.importorskip("IPython.testing.globalipapp",
                                      reason='the magics: pip install "tapeviz[jupyter]"')
    import tapeviz.ipython as tvip
    from IPython.core.error import UsageError
    shell = globalipapp.get_ipython() or globalipapp.start_ipython()
    shown = []
    monkeypatch.setattr(tvip.magic, "display", shown.append)
    shell.run_line_magic("load_ext", "tapeviz")
    try:
        w = torch.ones(2, requires_grad=True)
        with tvt.record() as tape:
            (w * 3.0).sum().backward()
        shell.user_ns.update(tape=tape, w=w, torch=torch, tvt=tvt)
        shell.run_line_magic("tapeviz", "tape")   # was: 'tape is a TorchTape; expected ...'
        shell.run_line_magic("tapeviz", "tape --svg")
        result = shell.run_cell("with tvt.record() as later:\n    torch.ones(3).exp()")
        assert result.success
        shell.run_line_magic("tapeviz", "")   # a bare %tapeviz: the tape the cell bound last
        with pytest.raises(UsageError, match="w is a Tensor; expected .* or a tapeviz.torch "
                                             "tape$"):
            shell.run_line_magic("tapeviz", "w")
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")
    assert type(shown[0]).__name__ == "TapeWidget" and shown[0].title == "torch tape: 2 ops"
    assert "<svg" in shown[1].data and "mul" in shown[1].data
    assert shown[2].title == "torch tape: 1 op"   # was: 'nothing to show yet'


def test_percent_tapeviz_break_takes_torchs_op_names_and_stops_there(monkeypatch):
    globalipapp = pytest.importorskip("IPython.testing.globalipapp",
                                      reason='the magics: pip install "tapeviz[jupyter]"')
    from IPython.core.error import UsageError

    from tapeviz.debugger import breakpoints, clear_breakpoints
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    shell = globalipapp.get_ipython() or globalipapp.start_ipython()
    shell.run_line_magic("load_ext", "tapeviz")
    try:
        shell.run_line_magic("tapeviz_break", "op=linear --action continue")   # was: refused,
        model = torch.nn.Sequential(torch.nn.Linear(3, 2))   # 'no op named linear'
        with tvt.record():
            model(torch.ones(4, 3))
        [bp] = breakpoints()
        assert [hit.node.op.name for hit in bp.hits] == ["linear"]
        with pytest.raises(UsageError, match="^%tapeviz_break: break_on: no op is called "
                                             "'lineer'"):
            shell.run_line_magic("tapeviz_break", "op=lineer")
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")
        clear_breakpoints()


def test_a_torch_op_named_before_the_adapter_is_imported_says_import_it():
    import subprocess
    import sys
    code = ("import torch\nfrom tapeviz.debugger import break_on\n"
            "try:\n    break_on(op='linear')\nexcept ValueError as error:\n    print(error)\n"
            "import tapeviz.torch\nprint(break_on(op='linear', action='continue'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("break_on: no op is called 'linear'; a PyTorch op? import "
                          "tapeviz.torch first: it names torch's ops"), out
    assert "<Breakpoint op=" in out   # imported, the same call is taken
