"""Item assignment as users write it (`x[mask] = 0`, `x[idx] = v` on a view, under no_grad,
on a leaf that requires grad, `x[..., 0] += 1`, on a view made under no_grad or by unbind)
runs under every kind of listening exactly as plain torch runs it: the same values and
gradients where torch raises nothing, torch's own error, word for word, where it raises;
and the recording goes on after such an error."""
import contextlib

import pytest
import torch

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder


def _leaf():
    torch.manual_seed(0)
    return torch.randn(4, 3, requires_grad=True)


def _masked(w):
    h = w * 2
    h[h > 0] = 0
    return h


def _view_written(w):
    h = w * 2
    row = h[1]
    row[0] = 5.0
    return h


def _flat_view_written(w):
    h = (w * 2).view(12)
    h[3] = w[0, 0] * 3
    return h


def _written_under_no_grad(w):
    h = w * 2
    with torch.no_grad():
        h[0] = 0
    return h


def _leaf_written(w):
    w[0] = 1.0
    return w


def _leaf_written_under_no_grad(w):
    with torch.no_grad():
        w[0] = 1.0
    return w * 2


def _column_added(w):
    h = w * 2
    h[..., 0] += 1
    return h


def _leaf_column_added(w):
    w[..., 0] += 1
    return w


def _view_made_under_no_grad(w):
    h = w * 2
    with torch.no_grad():
        row = h[0]
    row[0] = 1.0
    return h


def _unbound_row_written(w):
    h = w * 2
    first, *_ = h
    first[0] = 1.0
    return h


def _batch_masked(w):
    x = torch.ones(4, 3)
    x[x.sum(1) > 0] = 0.5
    return x * w


VARIANTS = [_masked, _view_written, _flat_view_written, _written_under_no_grad, _leaf_written,
            _leaf_written_under_no_grad, _column_added, _leaf_column_added,
            _view_made_under_no_grad, _unbound_row_written, _batch_masked]


def _outcome(variant) -> tuple:
    """(value bits, gradient bits) of the variant's sum and backward, or torch's error."""
    w = _leaf()
    try:
        out = variant(w)
        out.sum().backward()
    except RuntimeError as error:
        return ("raised", str(error))
    return (out.detach().numpy().tobytes(), w.grad.numpy().tobytes())


@contextlib.contextmanager
def _breakpoint(**where):
    armed = tvt.break_on(**where)
    try:
        yield
    finally:
        armed.clear()


LISTENING = {"a tape": tvt.record, "a Recorder": Recorder,
             "a breakpoint never hit": lambda: _breakpoint(op="log"),
             "a nan breakpoint": lambda: _breakpoint(nan=True)}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.__name__.strip("_"))
@pytest.mark.parametrize("listening", LISTENING)
def test_item_assignment_runs_as_plain_torch_runs_it(no_debugger, variant, listening):
    plain = _outcome(variant)
    with LISTENING[listening]():
        seen = [_outcome(variant) for _ in range(3)]   # (a Recorder's later steps: kept)
    assert seen == [plain] * 3


@pytest.mark.parametrize("variant", [_leaf_written, _view_made_under_no_grad],
                         ids=lambda v: v.__name__.strip("_"))
def test_a_tape_records_on_after_torchs_error(variant):
    with tvt.record() as tape:
        with pytest.raises(RuntimeError):
            variant(_leaf())
        w = _leaf()
        (w * 3).sum().backward()
    assert [n.op.name for n in tape.nodes][-2:] == ["mul", "sum"]
    assert float(w.grad.sum()) == 36.0
