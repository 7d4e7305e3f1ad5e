"""break_on(nan=True) reads a convolution's output in full (one sum on torch's side) and
stops at the conv, at its line, for each kind of non-finite value it can hold: one NaN, one
+Inf, one -Inf (which the relu after it turns into 0: only the conv's read sees it), and a
+Inf and a -Inf whose sum is NaN. A test that skipped the conv's output, or checked it later
in the step, would stop at a later op or not at all."""
import numpy as np
import pytest
import torch
from source_lines import lines_of
from torch import nn

import tapeviz.torch as tvt

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

_line_of = lines_of(__file__)
BIG = 3e38   # finite in float32; twice it is not


def _conv(weights: list) -> nn.Conv2d:
    """A 1x1 convolution of 2 input channels, output channel i weighting them by
    `weights[i]`: its output at a pixel is made from that pixel alone."""
    conv = nn.Conv2d(2, len(weights), 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(weights, dtype=torch.float32).view(len(weights), 2, 1, 1))
    return conv


def _images(pixel: tuple) -> torch.Tensor:
    """A batch of 2 2-channel 6x6 images, 0 but for `pixel` (channel 0, 1) of image 1 at
    row 2, column 3 (made from numpy: data, not an infinity written in the code)."""
    images = np.zeros((2, 2, 6, 6), np.float32)
    images[1, :, 2, 3] = pixel
    return torch.from_numpy(images)


CASES = {   # what is planted: (conv's weights, the pixel's channels, the output's values there)
    "one NaN": ([[1.0, 0.0]], (1.0, np.inf), [np.nan]),    # 0 * inf: NaN born in the conv
    "one +Inf": ([[2.0, 0.0]], (BIG, 0.0), [np.inf]),      # 2 * 3e38 overflows
    "one -Inf": ([[-2.0, 0.0]], (BIG, 0.0), [-np.inf]),
    "+Inf and -Inf": ([[2.0, 0.0], [-2.0, 0.0]], (BIG, 0.0), [np.inf, -np.inf]),   # sum: NaN
}


@pytest.mark.parametrize("case", CASES)
def test_a_non_finite_conv_output_stops_at_the_conv_and_its_line(case):
    weights, pixel, expected = CASES[case]
    conv, images = _conv(weights), _images(pixel)
    bp = tvt.break_on(nan=True, action="continue")
    h = conv(images)
    out = torch.relu(h).mean()
    hit = bp.hits[0]   # (the ops after it that carry the value stop too: action="continue")
    assert hit.node.op.name == "conv2d"
    assert hit.source.lineno == _line_of("h = conv(images)")
    made = hit.node.output.numpy()
    np.testing.assert_array_equal(made[1, :, 2, 3], expected)
    assert np.isfinite(np.delete(made.reshape(-1), [
        np.ravel_multi_index((1, c, 2, 3), made.shape) for c in range(len(expected))])).all()
    if case == "one -Inf":   # the relu turned it into 0: no later op sees it
        assert torch.isfinite(out) and len(bp.hits) == 1
