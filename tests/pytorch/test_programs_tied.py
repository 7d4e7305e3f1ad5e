"""A tiny language model with its input embedding tied to its output layer (`out.weight =
embed.weight`), evaluated under `torch.no_grad()` with model.eval() every other step in the
middle of the loop, and a bag-of-words classifier on a sparse Embedding stepped by SparseAdam
after `optimizer.zero_grad(set_to_none=True)`: recorded and drawn by layer at the user's
lines, stepped, run under a breakpoint never hit, a planted NaN found, kept by a Recorder,
diagnosed and run by the Runner; torch's state as it was after each."""
import torch
import torch.nn.functional as F
from torch import nn

from program_checks import (assert_torch_as_found, diagnosed, kept_as_recorded_fully,
                            recorded_and_drawn, run_by_the_runner,
                            same_under_a_breakpoint_never_hit)
import tapeviz.torch as tvt
from tapeviz.debugger import Recorder

VOCAB = 10


class TiedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 8)
        self.rnn = nn.GRU(8, 8, batch_first=True)
        self.out = nn.Linear(8, VOCAB)
        self.out.weight = self.embed.weight   # tied

    def forward(self, tokens):
        h, _ = self.rnn(self.embed(tokens))
        return self.out(h)


def _tied_training(seed=0):
    """(model, step): an SGD step on next-token prediction; every other call an evaluation
    under no_grad in eval mode after the step; `step(planted)` divides the loss by
    `1 - planted` (1.0: inf)."""
    torch.manual_seed(seed)
    model = TiedLM()
    optimizer = torch.optim.SGD(model.parameters(), 0.5)
    tokens = torch.randint(0, VOCAB, (4, 7))
    held_out = torch.randint(0, VOCAB, (2, 7))
    calls, evaluations = [0], []

    def step(planted=0.0):
        calls[0] += 1
        optimizer.zero_grad()
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), tokens[:, 1:].reshape(-1))
        loss = loss / (1.0 - planted)
        loss.backward()
        optimizer.step()
        if calls[0] % 2 == 0:
            model.eval()
            with torch.no_grad():
                held = model(held_out[:, :-1])
                evaluations.append(F.cross_entropy(held.reshape(-1, VOCAB),
                                                   held_out[:, 1:].reshape(-1)).item())
            model.train()
        return loss
    model.evaluations = evaluations
    return model, step


def test_the_tied_model_is_drawn_with_one_shared_weight_and_stepped():
    tape, html = recorded_and_drawn(_tied_training)
    embedding, *_, head = [n for n in tape.nodes if n.op.name in ("embedding", "linear")]
    assert embedding.inputs[1].variable.name == "embed.weight"
    assert head.scope == "TiedLM/out" and head.inputs[1].variable is embedding.inputs[1].variable
    assert "TiedLM/rnn" in html


def test_a_breakpoint_never_hit_leaves_the_losses_and_the_evaluations_as_plain_torch():
    plain_model, step = _tied_training()
    for _ in range(4):
        step()
    model, step = _tied_training()
    armed = tvt.break_on(op="cholesky")
    try:
        for _ in range(4):
            step()
    finally:
        armed.clear()
    assert model.evaluations == plain_model.evaluations and len(model.evaluations) == 2
    same_under_a_breakpoint_never_hit(_tied_training, count=4)


def test_the_planted_inf_is_found_at_the_users_line():
    model, step = _tied_training()
    origin = tvt.find_nan_origin(step, 1.0)
    assert (origin.op, origin.source.lineno) == ("div", step.__code__.co_firstlineno + 5)
    assert_torch_as_found(model)


def test_the_evaluations_are_steps_of_their_own_and_the_training_steps_kept(switch):
    model, step = _tied_training()
    with Recorder() as rec:
        for _ in range(4):
            step()
    assert [step.label for step in rec.steps].count("evaluation") == 2
    # the training steps kept but those after an evaluation (its no_grad reads of the
    # parameters begin their segment: recorded fully), each as a full recording shows it
    assert kept_as_recorded_fully(switch, _tied_training, count=5) == [
        False, True, False, False, True, False, False]


def test_the_tied_model_is_diagnosed_clean_and_run_by_the_runner():
    assert diagnosed(_tied_training, count=4) == []
    run_by_the_runner(_tied_training, count=4)


class BagOfWords(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.EmbeddingBag(50, 6, mode="mean", sparse=True)
        self.head = nn.Linear(6, 2)

    def forward(self, tokens):
        return self.head(self.embed(tokens))


def _sparse_training(seed=0):
    """(model, step): SparseAdam for the sparse embedding, Adam for the head, each after
    zero_grad(set_to_none=True); `step(planted)` plants log(1 - planted) in the loss."""
    torch.manual_seed(seed)
    model = BagOfWords()
    sparse = torch.optim.SparseAdam(list(model.embed.parameters()), 0.05)
    dense = torch.optim.Adam(model.head.parameters(), 0.05)
    tokens, labels = torch.randint(0, 50, (6, 5)), torch.tensor([0, 1, 0, 1, 1, 0])

    def step(planted=0.0):
        sparse.zero_grad(set_to_none=True)
        dense.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(tokens), labels) + torch.log(torch.tensor(1.0 - planted))
        loss.backward()
        sparse.step()
        dense.step()
        return loss
    return model, step


def test_a_sparse_embedding_is_drawn_stepped_and_its_sparse_gradient_shown():
    tape, html = recorded_and_drawn(_sparse_training)
    bag = next(n for n in tape.nodes if n.op.name == "embedding_bag")
    assert bag.scope == "BagOfWords/embed" and bag.inputs[1].variable.name == "embed.weight"
    model, step = _sparse_training()
    with Recorder() as rec:
        for _ in range(3):
            step()
    # two optimizers stepping what one pass computed: one training step each iteration
    # (was: all three iterations one step, with no gradients)
    assert len(rec.steps) == 3
    assert [op.op for op in rec.steps[1].ops][-3:] == ["sparseadam_step", "adam_step",
                                                        "adam_step"]
    assert model.embed.weight.grad.is_sparse
    gradient = rec.steps[-1].variable_gradients["embed.weight"].numpy()
    assert gradient.shape == (50, 6)
    assert (gradient != 0).any(axis=1).sum() <= 30   # only the rows read


def test_the_sparse_program_under_a_breakpoint_its_nan_diagnose_and_the_runner():
    same_under_a_breakpoint_never_hit(_sparse_training)
    model, step = _sparse_training()
    origin = tvt.find_nan_origin(step, 1.0)
    assert (origin.op, origin.source.lineno) == ("log", step.__code__.co_firstlineno + 3)
    assert diagnosed(_sparse_training) == []
    run_by_the_runner(_sparse_training)
    assert_torch_as_found(model)
