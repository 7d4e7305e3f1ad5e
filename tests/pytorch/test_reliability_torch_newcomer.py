"""A new user's first hour on the torch adapter: `tvt.find_nan_origin` given what is not a
recording (a tensor, a Recorder, None) says what it takes, what came and the user's line, not
"'Tensor' object is not callable"; given a Recorder's step, it searches it as
`tapeviz.debugger.find_nan_origin` does."""
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
    (None, "None (NoneType)", None),
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
