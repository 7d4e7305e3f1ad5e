"""Training programs a researcher brings to the debugger as they are (issue 15): a GAN, a
transformer layer, a meta-device model, a compiled module; each test checks what the user
would read off the tape: the op, its layer, its line, torch's own values."""
import numpy as np
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
    assert first_layer.node.inputs[1].variable.name == "0.weight"
    np.testing.assert_allclose(first_layer.input_grads[1].numpy(),
                               generator[0].weight.grad.numpy(), rtol=1e-5, atol=1e-7)
