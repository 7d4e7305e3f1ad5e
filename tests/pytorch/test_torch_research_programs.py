"""Training programs a researcher brings to the debugger as they are (issue 15): a GAN, a
transformer layer, a meta-device model, a compiled module; each test checks what the user
would read off the tape: the op, its layer, its line, torch's own values."""
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt


def _gan(seed=0):
    torch.manual_seed(seed)
    generator = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    critic = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    return generator, critic, torch.randn(32, 4), torch.randn(32, 8)


def test_a_gans_generator_steps_are_in_its_own_pass_after_the_critics():
    """The generator's forward runs before the critic's pass, which does not reach it
    (`fake.detach()`): the generator's pass steps through it all the same."""
    generator, critic, real, noise = _gan()
    with tvt.record() as tape:
        fake = generator(noise)
        d_loss = (F.binary_cross_entropy_with_logits(critic(real), torch.ones(32, 1))
                  + F.binary_cross_entropy_with_logits(critic(fake.detach()), torch.zeros(32, 1)))
        d_loss.backward()
        critic_steps = len(tape.steps)
        g_loss = F.binary_cross_entropy_with_logits(critic(fake), torch.ones(32, 1))
        g_loss.backward()
    generator_pass = tape.steps[critic_steps:]
    assert [(s.node.op.name, s.node.scope) for s in generator_pass][-3:] == [
        ("linear", "Sequential/2"), ("relu", "Sequential/1"), ("linear", "Sequential/0")]
    first_layer = generator_pass[-1]
    assert first_layer.node.inputs[1].variable.name == "generator.0.weight"
    np.testing.assert_allclose(first_layer.input_grads[1].numpy(),
                               generator[0].weight.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_a_meta_device_model_is_recorded_with_its_shapes_and_said_to_hold_no_values():
    from tapeviz.debugger import diagnose
    from tapeviz.viz import TapeWidget
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).to("meta")
    with tvt.record() as tape:
        out = model(torch.randn(2, 4, device="meta"))
    assert [(n.op.name, n.output.shape) for n in tape.nodes] == [
        ("linear", (2, 3)), ("relu", (2, 3)), ("linear", (2, 2))]
    assert out.is_meta and tape.nodes[0].inputs[1].variable.name == "model.0.weight"
    widget = TapeWidget(tape)
    relu = widget.inspect("n1")
    output = next(s for s in relu["sections"] if s["title"] == "Output")["content"]
    assert output[0] == ["summary", "float32[2, 3] no values: a meta tensor (shape and dtype only)"]
    assert not any("Histogram" in s["title"] or "Heatmap" in s["title"] for s in relu["sections"])
    assert diagnose(tape) == []   # its zeros are no dead ReLU: there are none
    assert "a meta tensor" in widget.to_html()
    assert "numpy=<no values: a meta tensor" in repr(tape.nodes[1].output)   # (in pdb)
    widget.close()   # ipywidgets keeps an open widget, its tape and their graph, for good


def test_torch_func_grad_is_recorded_with_its_values_and_vmap_says_it_reads_none():
    torch.manual_seed(0)
    model, x = nn.Linear(3, 1), torch.randn(5, 3)
    params = dict(model.named_parameters())
    with tvt.record() as tape:
        grads = torch.func.grad(
            lambda p: torch.func.functional_call(model, p, (x,)).sum())(params)
    linear = tape.nodes[0]
    assert linear.op.name == "linear"
    np.testing.assert_allclose(linear.output.numpy(), model(x).detach().numpy(), rtol=1e-6)
    assert linear.inputs[1].variable.name.endswith("weight")
    [step] = [s for s in tape.steps if s.node is linear]
    np.testing.assert_allclose(step.input_grads[1].numpy(), grads["weight"].numpy(), rtol=1e-6)
    with tvt.record() as tape:
        torch.vmap(lambda row: (row * 2.0).sum())(x)
    assert tape.nodes[0].output.shape == (3,)   # one example's
    from tapeviz.debugger import summarize
    assert "torch.vmap" in summarize(tape.nodes[0].output)


def test_a_compiled_model_runs_as_written_while_recorded_and_compiles_again_after():
    import torch._dynamo.eval_frame as dynamo_frame
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    compiled, x = torch.compile(model), torch.randn(5, 3)
    with tvt.record() as tape:
        out = compiled(x)
    assert [n.op.name for n in tape.nodes] == ["linear", "relu", "linear"]
    np.testing.assert_allclose(tape.nodes[-1].output.numpy(), model(x).detach().numpy(),
                               rtol=1e-6)
    assert out.grad_fn is not None
    assert dynamo_frame._stance.stance == "default"


def _encoder(seed=0):
    torch.manual_seed(seed)
    layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, batch_first=True)
    tokens = torch.randn(3, 5, 16)
    padding = torch.zeros(3, 5, dtype=torch.bool)
    padding[:, -2:] = True
    return layer, tokens, nn.Transformer.generate_square_subsequent_mask(5), padding


def test_attention_parameters_are_named_as_named_parameters_names_them():
    """MultiheadAttention passes its out_proj's weight to F.multi_head_attention_forward
    without calling out_proj: it was 'leaf:0'."""
    layer, tokens, mask, padding = _encoder()
    with tvt.record() as tape:
        layer(tokens, src_mask=mask, src_key_padding_mask=padding)
    [attention] = [n for n in tape.nodes if n.op.name == "multi_head_attention_forward"]
    named = [getattr(x, "variable", None) for x in attention.inputs]
    assert [v.name for v in named if v is not None] == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias"]
    assert attention.scope == "TransformerEncoderLayer/self_attn"


def test_an_attention_masks_minus_inf_is_no_nan_origin_and_hides_none():
    """The causal mask's -inf (torch.triu of a -inf tensor) and the padding mask's
    (masked_fill) become zero attention weights: no alert, and a NaN born after them is
    found where it was born."""
    from tapeviz.debugger import diagnose
    from tapeviz.viz import TapeWidget
    layer, tokens, mask, padding = _encoder()

    def step(planted):
        mask = nn.Transformer.generate_square_subsequent_mask(5)
        out = layer(tokens, src_mask=mask, src_key_padding_mask=padding)
        scores = out.mean() - planted
        loss = torch.log(scores)   # planted > mean: log of a negative number
        loss.backward()

    with tvt.record() as tape:
        step(planted=-10.0)
    assert diagnose(tape) == [] and TapeWidget(tape).alerts == []
    assert tvt.find_nan_origin(tape) is None
    origin = tvt.find_nan_origin(step, 10.0)
    assert (origin.op, origin.source.lineno) == ("log", step.__code__.co_firstlineno + 4)


class _GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru, self.fc = nn.GRU(5, 6, batch_first=True), nn.Linear(6, 2)

    def forward(self, x):
        _, hidden = self.gru(x)   # the last hidden state alone: autograd made it apart
        return self.fc(hidden[-1])


def test_a_recurrent_layer_whose_last_hidden_state_alone_is_read_has_its_backward_step():
    torch.manual_seed(0)
    model, x, y = _GRUClassifier(), torch.randn(3, 4, 5), torch.tensor([0, 1, 1])
    with tvt.record() as tape:
        F.cross_entropy(model(x), y).backward()
    [gru] = [s for s in tape.steps if s.node.op.name == "gru"]
    assert gru.node.scope == "_GRUClassifier/gru"
    sent = {tensor.variable.name: grad for tensor, grad in zip(gru.node.inputs, gru.input_grads)
            if hasattr(tensor, "variable")}
    np.testing.assert_allclose(sent["gru.weight_hh_l0"].numpy(),
                               model.gru.weight_hh_l0.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_the_recorder_keeps_a_step_whose_ops_first_output_no_gradient_reached():
    from tapeviz.debugger import Recorder
    w = torch.randn(4, requires_grad=True)
    with Recorder() as rec:
        for _ in range(2):
            _, second = w.chunk(2)
            (second * 2.0).sum().backward()
    assert [s.node.op.name for s in rec.last_step.backward_steps] == ["sum", "mul", "chunk"]
    assert rec.last_step.backward_steps[-1].upstream is None   # none reached the first half


class _InPlaceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.act, self.out = nn.Linear(4, 4), nn.ReLU(inplace=True), nn.Linear(4, 1)

    def forward(self, x):
        h = self.fc(x)
        h += 0.5
        return self.out(self.act(h))


def test_in_place_ops_on_activations_step_with_the_gradient_torch_sends_through_them():
    """relu_ and += give their input a new autograd node: the step looked for its gradient
    at that node, and said none flows."""
    torch.manual_seed(0)
    net, x = _InPlaceNet(), torch.randn(3, 4)
    with tvt.record() as tape:
        net(x).sum().backward()
    h = net.fc(x)
    [expected] = torch.autograd.grad(net.out(F.relu(h + 0.5)).sum(), h)
    steps = {s.node.op.name: s for s in tape.steps}
    for name in ("relu", "add_"):
        np.testing.assert_allclose(steps[name].input_grads[0].numpy(), expected.numpy(),
                                   rtol=1e-6)
    assert steps["relu"].node.inputs[0].numpy().min() < 0   # the value before relu_ wrote it


def test_a_grad_scalers_loss_and_gradients_are_recorded_unscaled_as_the_optimizer_uses_them():
    """scaler.scale(loss).backward() starts from loss x 65536: the Recorder kept that loss and
    gradients 65536 times the optimizer's, and diagnose said they exploded."""
    from tapeviz.debugger import Recorder, diagnose
    torch.manual_seed(0)
    model, x = nn.Linear(4, 1), torch.randn(8, 4)
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    scaler = torch.amp.GradScaler("cpu")
    with Recorder() as rec:
        for _ in range(3):
            loss = model(x).pow(2).mean()
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            used = model.weight.grad.clone()
            scaler.step(optimizer)
            scaler.update()
    step = rec.last_step
    assert step.loss == pytest.approx(loss.item(), rel=1e-6)
    [(name, grad)] = [(n, g) for n, g in step.variable_gradients.items() if "weight" in n]
    np.testing.assert_allclose(grad.numpy(), used.numpy(), rtol=1e-6)
    assert diagnose(rec) == []


def test_torchs_error_in_a_recorded_op_also_names_the_op_its_layer_its_inputs_and_the_line():
    """torch says 'mat1 and mat2 shapes cannot be multiplied (2x8 and 7x1)': not which layer,
    nor where in the user's code."""
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(7, 1))
    with tvt.record() as tape, pytest.raises(RuntimeError, match="mat1 and mat2") as caught:
        model(torch.randn(2, 4))
    line = caught.tb.tb_lineno   # where the test called the model
    [note] = caught.value.__notes__
    assert note.splitlines()[0] == ("tapeviz: linear in layer model[2] (Linear) was given input "
                                    "float32[2, 8], weight float32[1, 7], bias float32[1]")
    assert f"test_torch_research_programs.py:{line}" in note.splitlines()[1]
    assert note.splitlines()[2].strip() == "model(torch.randn(2, 4))"
    assert [n.op.name for n in tape.nodes] == ["linear", "relu"]


class _OverwritingNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.out = nn.Linear(4, 4), nn.Linear(4, 1)

    def forward(self, x):
        h = torch.sigmoid(self.fc(x))
        h += 0.5                      # sigmoid's backward reads its output: now changed
        return self.out(h)


def test_torchs_in_place_error_in_backward_also_names_the_op_that_wrote_the_saved_value():
    """torch says 'output 0 of Sigmoid, is at version 1': not which line wrote it."""
    first = _OverwritingNet.forward.__code__.co_firstlineno
    with tvt.record(), pytest.raises(RuntimeError, match="output 0 of Sigmoid") as caught:
        _OverwritingNet()(torch.randn(3, 4)).sum().backward()
    [note] = caught.value.__notes__
    assert note.startswith("tapeviz: sigmoid's output (at ")
    assert f"test_torch_research_programs.py:{first + 1} in forward) was written in place by " \
           f"add_ (at " in note
    assert f"test_torch_research_programs.py:{first + 2} in forward)" in note


def test_a_gans_critic_stepped_before_the_generators_pass_is_named_in_torchs_error():
    """Both losses computed first, then the critic stepped, then g_loss.backward(): torch says
    '[torch.FloatTensor [16, 1]], which is output 0 of AsStrided, is at version 2'."""
    generator, critic, real, noise = _gan()
    critic_optimizer = torch.optim.Adam(critic.parameters(), 1e-3)
    with tvt.record():
        fake = generator(noise)
        d_loss = F.softplus(-critic(real)).mean() + F.softplus(critic(fake.detach())).mean()
        g_loss, line = F.softplus(-critic(fake)).mean(), _line()   # the critic reads it
        d_loss.backward()
        critic_optimizer.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as caught:
            g_loss.backward()
    [note] = caught.value.__notes__
    assert note.startswith("tapeviz: the parameter critic.2.weight, read by linear (at ")
    assert f"test_torch_research_programs.py:{line}" in note
    assert "an optimizer.step() ran between this forward pass and its backward" in note


def _line() -> int:
    """The line number of the caller's line."""
    return sys._getframe(1).f_lineno
