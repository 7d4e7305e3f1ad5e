"""A GRU sequence-to-sequence model trained with teacher forcing, as a user writes it: a GRU
encoder, a GRUCell decoder unrolled over the target, fed the true previous token when a draw
says so and its own argmax otherwise; recorded and drawn by layer at the user's lines,
stepped, run under a breakpoint never hit, its planted NaN found, kept by a Recorder,
diagnosed and run by the Runner, torch's state as it was after each."""
import torch
import torch.nn.functional as F
from torch import nn

from program_checks import (assert_torch_as_found, diagnosed, kept_as_recorded_fully,
                            recorded_and_drawn, run_by_the_runner,
                            same_under_a_breakpoint_never_hit)
import tapeviz.torch as tvt

VOCAB, HIDDEN, START = 12, 16, 0


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 8)
        self.encoder = nn.GRU(8, HIDDEN, batch_first=True)
        self.decoder = nn.GRUCell(8, HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def forward(self, source, target, teacher: list):
        _, hidden = self.encoder(self.embed(source))
        h = hidden[0]
        token = torch.full((source.shape[0],), START)
        logits = []
        for t in range(target.shape[1]):
            h = self.decoder(self.embed(token), h)
            step_logits = self.out(h)
            logits.append(step_logits)
            token = target[:, t] if teacher[t] else step_logits.argmax(1)
        return torch.stack(logits, 1)


def _training(seed=0):
    """(model, step): one Adam step a call on 4 pairs (source 5 tokens, target: reversed);
    `step(planted)` plants log(1 - planted) in the loss (1.0: -inf)."""
    torch.manual_seed(seed)
    model = Seq2Seq()
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    source = torch.randint(1, VOCAB, (4, 5))
    target = source.flip(1)
    draws = torch.Generator().manual_seed(seed)

    def step(planted=0.0):
        teacher = (torch.rand(target.shape[1], generator=draws) < 0.5).tolist()
        optimizer.zero_grad()
        logits = model(source, target, teacher)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1))
        loss = loss + torch.log(torch.tensor(1.0 - planted))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss
    return model, step


def test_the_seq2seq_is_drawn_by_layer_at_the_users_lines_and_stepped():
    tape, html = recorded_and_drawn(_training)
    forward = Seq2Seq.forward.__code__.co_firstlineno
    where = {}
    for node in tape.nodes:
        where.setdefault(node.op.name, (node.scope, node.source.lineno))
    assert where["gru"] == ("Seq2Seq/encoder", forward + 1)
    assert where["gru_cell"] == ("Seq2Seq/decoder", forward + 6)
    assert where["stack"] == ("Seq2Seq", forward + 10)
    assert [n.op.name for n in tape.nodes].count("gru_cell") == 5
    assert "Seq2Seq/decoder" in html and "clip_grad_norm_" in html
    stepped = [s.node.op.name for s in tape.steps]
    assert stepped.count("gru_cell") == 5 and stepped[-1] == "embedding"


def test_a_breakpoint_never_hit_leaves_every_loss_as_plain_torch_gives_it():
    same_under_a_breakpoint_never_hit(_training)


def test_the_planted_nan_is_found_at_the_users_line():
    model, step = _training()
    origin = tvt.find_nan_origin(step, 1.0)
    assert (origin.op, origin.source.lineno) == ("log", step.__code__.co_firstlineno + 5)
    assert_torch_as_found(model)


def test_a_recorder_keeps_the_steps_whose_draws_agree_and_shows_them_as_recorded_fully(switch):
    """A step is kept where its teacher-forcing draws are the first step's (the program
    learned); one whose draws branch otherwise is recorded fully; all show what a full
    recording shows, bitwise."""
    held = kept_as_recorded_fully(switch, _training, count=8)
    draws = torch.Generator().manual_seed(0)
    teachers = [(torch.rand(5, generator=draws) < 0.5).tolist() for _ in range(8)]
    assert held == [False] + [teacher == teachers[0] for teacher in teachers[1:]]
    assert any(held)


def test_the_seq2seq_is_diagnosed_clean_and_run_by_the_runner():
    assert diagnosed(_training) == []
    run_by_the_runner(_training)
