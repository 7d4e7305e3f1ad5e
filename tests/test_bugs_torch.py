"""Bugs and program shapes of PyTorch training loops under the Recorder: a NaN born in a
backward step is named where it was born (not in the data), and a training iteration that
steps two optimizers through helper functions or a list is one recorded step."""
import numpy as np
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_a_nan_born_in_a_backward_step_is_named_there_not_in_the_input_batch():
    torch.manual_seed(0)
    x = torch.randn(16, 3)
    y = x[:, :1] * 2
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            out = model(x)
            gap = torch.sqrt((out - out.detach()).pow(2).sum())  # BUG: sqrt(0)'s gradient
            loss = ((out - y) ** 2).mean() + 0.1 * gap
            loss.backward()
            optimizer.step()
    assert np.isfinite(rec.steps[0].loss) and not np.isfinite(rec.steps[1].loss)
    found = diagnose(rec)
    assert "accumulated_gradients" not in [f.kind for f in found]   # zero_grad is called
    [nan] = [f for f in found if f.kind == "nan"]
    assert nan.message.startswith(
        "sqrt produced inf in the backward pass, in the gradient through sqrt (")
    assert "sqrt's gradient 0.5 / sqrt(x) is infinite where x = 0" in nan.message
    assert "fix: add an epsilon inside the root: torch.sqrt(x + 1e-12)" in nan.message
    assert "first in step 1" in nan.message
    assert "input batch" not in nan.message
    assert nan.source.lineno == line_of(__file__, "# BUG: sqrt(0)'s gradient")


def gan():
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    critic = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    return (generator, critic, torch.optim.Adam(generator.parameters(), 1e-3),
            torch.optim.Adam(critic.parameters(), 1e-3), nn.BCEWithLogitsLoss(),
            torch.randn(32, 2) + 3)


def test_a_gan_trained_by_two_helper_functions_is_one_step_an_iteration():
    generator, critic, opt_g, opt_d, bce, real = gan()

    def train_d():
        opt_d.zero_grad()
        fake = generator(torch.randn(32, 4)).detach()
        loss = bce(critic(real), torch.ones(32, 1)) + bce(critic(fake), torch.zeros(32, 1))
        loss.backward()
        opt_d.step()

    def train_g():
        opt_g.zero_grad()
        bce(critic(generator(torch.randn(32, 4))), torch.ones(32, 1)).backward()
        opt_g.step()

    with Recorder() as rec:
        for _ in range(3):
            train_d()
            train_g()
    assert len(rec) == 3
    names = set(rec.steps[-1].variable_gradients)
    assert {"generator.0.weight", "critic.0.weight"} <= names   # both models' parameters


def test_a_gan_stepping_optimizers_by_their_index_in_a_list_is_one_step_an_iteration():
    generator, critic, opt_g, opt_d, bce, real = gan()
    opts = [opt_d, opt_g]
    with Recorder() as rec:
        for _ in range(3):
            opts[0].zero_grad()
            opts[1].zero_grad()
            fake = generator(torch.randn(32, 4))
            loss_d = bce(critic(real), torch.ones(32, 1)) + \
                bce(critic(fake.detach()), torch.zeros(32, 1))
            loss_d.backward()
            opts[0].step()
            bce(critic(fake), torch.ones(32, 1)).backward()
            opts[1].step()
    assert len(rec) == 3


def test_a_helper_stepping_one_optimizer_is_one_step_a_call_though_another_steps_after_the_loop():
    generator, critic, opt_g, opt_d, bce, real = gan()

    def train_step():
        opt_d.zero_grad()
        bce(critic(real), torch.ones(32, 1)).backward()
        opt_d.step()

    def fine_tune():
        opt_g.zero_grad()
        bce(critic(generator(torch.randn(32, 4))), torch.ones(32, 1)).backward()
        opt_g.step()

    with Recorder() as rec:
        for _ in range(4):
            train_step()
        fine_tune()   # after the loop: no part of its iterations
    assert len(rec) == 5


def test_training_after_an_evaluation_that_left_model_eval_on_is_said_to_train_without_dropout():
    torch.manual_seed(0)
    x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.eval()   # an evaluation before training, and no model.train() after it
    with torch.no_grad():
        model(x)

    def train(steps=3):
        with Recorder() as rec:
            for _ in range(steps):
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(x), y)  # BUG: eval mode
                loss.backward()
                optimizer.step()
        return rec

    [finding] = [f for f in diagnose(train()) if f.kind == "inference_mode_in_training"]
    assert "ran in inference mode, as in each of the last 2 training steps" in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG: eval mode")
    assert finding.message.endswith("fix: call model.train() before training (model.eval() is "
                                    "still on from an evaluation)")
    model.train()
    assert [f for f in diagnose(train()) if f.kind == "inference_mode_in_training"] == []


def regression_steps(order: str, set_to_none: bool = True, steps: int = 5) -> Recorder:
    """A small regression trained with zero_grad placed as `order` says: 'between' (after
    loss.backward(), before optimizer.step(): the bug), 'first' or 'after_forward'."""
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with Recorder() as rec:
        for _ in range(steps):
            if order == "first":
                optimizer.zero_grad(set_to_none=set_to_none)
            loss = nn.functional.mse_loss(model(x), y)
            if order == "after_forward":
                optimizer.zero_grad(set_to_none=set_to_none)
            loss.backward()
            if order == "between":
                optimizer.zero_grad(set_to_none=set_to_none)  # BUG: after backward
            optimizer.step()  # STEP
    return rec


@pytest.mark.parametrize("set_to_none", [True, False], ids=["none", "zeros"])
def test_zero_grad_between_backward_and_step_is_named_at_its_line(set_to_none):
    rec = regression_steps("between", set_to_none)
    found = diagnose(rec)
    # was: nothing (set_to_none=True), or four zero_gradient findings blaming dead ReLUs
    assert [f.kind for f in found] == ["gradients_cleared"]
    [finding] = found
    assert finding.message.startswith(
        f"the gradients are cleared before the update: optimizer.zero_grad() at "
        f"tests/{marked_line(__file__, '# BUG: after backward')}: "
        f"optimizer.zero_grad(set_to_none=set_to_none)")
    assert "runs after loss.backward() and before optimizer.step()" in finding.message
    held = "None" if set_to_none else "zero"
    assert f"but their .grad was {held} when the optimizer stepped" in finding.message
    assert finding.message.endswith("fix: call optimizer.zero_grad() before loss.backward() "
                                    "(at the start of the step) or after optimizer.step()")
    assert finding.source.lineno == line_of(__file__, "# BUG: after backward")


@pytest.mark.parametrize("order", ["first", "after_forward"])
def test_zero_grad_before_backward_gives_no_finding(order):
    assert diagnose(regression_steps(order)) == []


def test_a_loop_run_past_the_datas_end_names_the_empty_batch_not_a_crash():
    """The guide's CNN in torch, sliced by hand into batches of 32 one step past the last
    example: the empty batch's cross-entropy is NaN (was: diagnose raised numpy's 'zero-size
    array to reduction operation' from its pixel-scale check)."""
    from tapeviz.datasets import load_digits
    (images, labels), _ = load_digits()
    images = torch.tensor(images, dtype=torch.float32).unsqueeze(1) / 255
    labels = torch.tensor(labels, dtype=torch.int64)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = (len(labels) // 32 - 2) * 32
    with Recorder() as rec:
        for i in range(start, len(labels) + 32, 32):
            x, y = images[i:i + 32], labels[i:i + 32]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)  # EMPTY
            loss.backward()
            optimizer.step()
    assert rec.steps[-1].find(op="cross_entropy")[0].inputs[0].shape[0] == 0
    [nan] = [f for f in diagnose(rec) if f.kind == "nan"]
    assert nan.message.startswith("cross_entropy produced nan in the forward pass")
    assert ("input 0 is empty (shape (0, 10)): a mean over no values is NaN: a batch past the "
            "end of the data" in nan.message)
    assert ("fix: train on full batches only: loop over range(len(x) // batch_size), or skip "
            "an empty batch (if len(batch) == 0: continue)" in nan.message)
    assert nan.source.lineno == line_of(__file__, "# EMPTY")


def digits_cnn(steps: int, mistake: str | None = None) -> Recorder:
    """The guide's CNN in torch on the digits in batches of 32 (44 a pass), Adam(1e-3),
    recorded; `mistake`: 'shuffled' (images and labels each permuted on their own) or 'nll'
    (F.nll_loss on the model's logits)."""
    from tapeviz.datasets import load_digits
    (images, labels), _ = load_digits()
    images = torch.tensor(images, dtype=torch.float32).unsqueeze(1) / 255
    labels = torch.tensor(labels, dtype=torch.int64)
    torch.manual_seed(0)
    if mistake == "shuffled":
        images = images[torch.randperm(len(images))]
        labels = labels[torch.randperm(len(labels))]  # SHUFFLED APART
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = len(labels) // 32
    with Recorder() as rec:
        for step in range(steps):
            i = step % batches * 32
            x, y = images[i:i + 32], labels[i:i + 32]
            optimizer.zero_grad()
            if mistake == "nll":
                loss = nn.functional.nll_loss(model(x), y)  # NLL OF LOGITS
            else:
                loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
    return rec


def test_the_guides_cnn_in_torch_still_at_chance_in_its_first_pass_is_no_finding():
    """A correct model sits at ln(10) through its first 44 batches (was: loss_at_chance,
    'likely cause: the labels were shuffled apart from their inputs')."""
    rec = digits_cnn(44)
    losses = [step.loss for step in rec.steps]
    assert abs(np.mean(losses[22:]) / np.log(10) - 1) < 0.01   # (at chance, as it was)
    assert diagnose(rec) == []


def test_the_guides_cnn_in_torch_with_its_labels_shuffled_apart_is_found():
    [finding] = diagnose(digits_cnn(60, "shuffled"))
    assert finding.kind == "loss_at_chance"
    assert "likely cause (not certain): the labels were shuffled apart from their inputs" \
        in finding.message


def test_nll_loss_given_the_models_logits_names_the_loss_the_layer_and_the_fix():
    rec = digits_cnn(8, "nll")
    assert rec.steps[-1].loss < 0   # (no cross-entropy can be: the logits pushed up)
    [finding] = diagnose(rec)   # was: none
    assert finding.kind == "nll_of_no_log_probabilities"
    assert finding.message.startswith("nll_loss is given logits (values from ")
    assert "where it expects log-probabilities (at most 0, each row's exponentials summing " \
           "to 1), made by linear in layer " in finding.message
    assert "the loss goes below 0, which no cross-entropy can" in finding.message
    assert finding.message.endswith("fix: F.cross_entropy(logits, labels), which applies "
                                    "log_softmax itself, or F.nll_loss(F.log_softmax(logits, "
                                    "dim=1), labels)")
    assert finding.source.lineno == line_of(__file__, "# NLL OF LOGITS")


def _nll_of_log_softmax(dim: int):
    """Three steps of a linear model trained by nll_loss of log_softmax over `dim`."""
    torch.manual_seed(0)
    x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    model = nn.Linear(4, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            nn.functional.nll_loss(nn.functional.log_softmax(model(x), dim=dim), y).backward()
            optimizer.step()
    return rec


def test_nll_loss_given_log_softmax_is_no_finding():
    assert diagnose(_nll_of_log_softmax(dim=1)) == []


def test_nll_loss_given_log_softmax_over_the_batch_is_said_once_as_the_batch_axis():
    """log_softmax over dim 0: its rows are no log-probabilities, but they are not logits
    either (was: a second finding, 'nll_loss is given logits ..., made by log_softmax')."""
    assert [f.kind for f in diagnose(_nll_of_log_softmax(dim=0))] == ["batch_axis"]


def regression_with_a_remade_model() -> Recorder:
    """A regression whose optimizer was made for a model that a second `model = ...` (a
    notebook cell run again) replaced: it steps the old model's parameters."""
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))  # REMADE
    with Recorder() as rec:
        for _ in range(5):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()  # STEPS THE OLD MODEL
    return rec


def test_an_optimizer_made_for_a_model_made_again_names_its_step_and_the_fix():
    [finding] = diagnose(regression_with_a_remade_model())
    assert finding.kind == "gradients_not_applied"
    # was: 'but no update op ran ...; fix: call optimizer.step() after loss.backward()'
    assert (f"but optimizer.step() at tests/{marked_line(__file__, '# STEPS THE OLD MODEL')}: "
            f"optimizer.step()  # STEPS THE OLD MODEL updated none of them: the optimizer holds "
            f"other parameters, most likely those of a model made before this one"
            in finding.message)
    assert finding.message.endswith("fix: make the optimizer after the model, from its "
                                    "parameters: optimizer = torch.optim.SGD(model.parameters()"
                                    ", lr=...) (or Adam)")


def test_an_optimizer_step_forgotten_is_told_to_call_it():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    with Recorder() as rec:
        for _ in range(5):
            model.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
    [finding] = diagnose(rec)
    assert finding.kind == "gradients_not_applied"
    assert "but no update op ran" in finding.message
    assert finding.message.endswith("fix: call optimizer.step() after loss.backward()")


def test_an_optimizer_step_forgotten_beside_a_schedulers_step_is_told_to_call_it():
    """`scheduler.step()` in the loop is no optimizer step: each backward pass is a step of its
    own (an LR scheduler's `step` only reads its optimizer's `step`), and the fix is the
    optimizer's step, not a model made again."""
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 2)
    with pytest.warns(UserWarning, match="lr_scheduler.step"), Recorder() as rec:
        for _ in range(5):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            scheduler.step()
    assert [len(step.ops) for step in rec.steps] == [len(rec.steps[0].ops)] * 5
    [finding] = diagnose(rec)
    assert finding.kind == "gradients_not_applied"
    assert "but no update op ran" in finding.message
    assert finding.message.endswith("fix: call optimizer.step() after loss.backward()")
