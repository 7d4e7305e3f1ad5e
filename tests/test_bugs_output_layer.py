"""Students' mistakes in a model's last layer, planted in the TF2 guide's MNIST CNN (on the
bundled 8x8 digits) and the lecture's birth-rate regression: an activation on the
classifier's head before a loss that applies softmax itself (relu, sigmoid), and a sigmoid
on a regression's output whose targets lie far outside (0, 1). Nothing fails: each trains
slowly or stops high. `diagnose(recorder)` names the activation's op and layer, its line
and the loss's; the same programs with a bare last layer (or targets in range) say nothing.
"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits, synthetic_birth_life
from tapeviz.debugger import Recorder, diagnose
from programs import guide_cnn, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)


def guide_loop(model, steps: int = 6) -> Recorder:
    """The guide's train_step as written, over `steps` batches of 32 digits."""
    (images, labels), _ = load_digits()
    dataset = tf.data.Dataset.from_tensor_slices(
        (images[..., None].astype(np.float32) / 255, labels.astype(np.int64))).batch(32)
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.take(steps):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))  # LOSS
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def with_head_activation(activation: str):
    return tf.keras.Sequential(guide_cnn().layers[:-1]
                               + [tf.keras.layers.Dense(10, activation=activation)])


def test_a_relu_on_the_classifiers_head_is_named_with_its_layer_and_the_cut_units():
    tf.random.set_seed(0)
    model = with_head_activation("relu")
    rec = guide_loop(model)
    [finding] = [f for f in diagnose(rec) if f.kind == "activated_logits"]   # was: none
    head = model.layers[-1].name
    assert finding.message.startswith(
        "sparse_softmax_cross_entropy_with_logits applies softmax to logits made by relu in "
        f"layer {model.name}/{head} at tests/{here('# LOSS')}")
    logits = rec.last_step.find(op="relu", scope=f"{model.name}/{head}")[0].output
    cut = f"{np.mean(logits <= 0):.0%}"
    assert f"where relu cut them ({cut} of them in this step) the loss's gradient stops" \
        in finding.message
    assert finding.message.endswith("fix: no activation on the last layer (Dense(10), the raw "
                                    "scores: the loss applies softmax itself)")
    assert finding.node.op.name == "relu" and finding.related.lineno == \
        int(here("# LOSS").split(":")[1])


def test_a_sigmoid_on_the_classifiers_head_says_the_floor_of_the_loss():
    tf.random.set_seed(0)
    rec = guide_loop(with_head_activation("sigmoid"))
    [finding] = [f for f in diagnose(rec) if f.kind == "activated_logits"]
    assert "logits made by sigmoid" in finding.message
    assert "they lie between 0 and 1, so the softmax can never be confident: with 10 classes " \
           "the loss can never go below 1.46" in finding.message


def test_the_guide_cnn_with_a_bare_head_gives_no_activation_finding():
    tf.random.set_seed(0)
    assert diagnose(guide_loop(guide_cnn())) == []


def regression(activation=None, scale: float = 1.0, steps: int = 20) -> Recorder:
    """The lecture's full-batch regression of life expectancy on birth rate, written with a
    Keras Dense(1) output layer; the targets divided by `scale`."""
    data, _ = synthetic_birth_life()
    x, y = data[:, :1].astype(np.float32), data[:, 1:].astype(np.float32) / scale
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation=activation)])  # OUTPUT
    optimizer = tf.keras.optimizers.SGD(0.001)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - model(x)))  # MSE
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def test_a_sigmoid_output_for_a_regression_whose_targets_lie_outside_0_1_is_named():
    rec = regression("sigmoid")
    [finding] = [f for f in diagnose(rec) if f.kind == "output_out_of_range"]   # was: none
    message = finding.message
    assert message.startswith("the prediction is made by sigmoid in layer sequential")
    assert f"at tests/{here('# MSE')}" in message
    assert "so it lies between 0 and 1 (now " in message
    assert "but 100% of the targets it is compared with lie outside that (from 47.77 to 83; " \
           f"subtract at tests/{here('# MSE')}" in message
    assert message.endswith("fix: no activation on a regression's output layer (Dense(1) "
                            "alone), or scale the targets into the activation's range")
    losses = [step.loss for step in rec.steps]
    assert min(losses) > 0.9 * losses[0]   # it stops high, as said


@pytest.mark.parametrize("activation, scale", [(None, 1.0), ("sigmoid", 100.0)])
def test_a_bare_output_or_targets_in_the_sigmoids_range_give_no_finding(activation, scale):
    assert [f.kind for f in diagnose(regression(activation, scale))
            if f.kind == "output_out_of_range"] == []


def test_the_torch_adapter_names_a_relu_head_and_a_sigmoid_regression_output_too():
    torch = pytest.importorskip("torch")
    import tapeviz.torch  # noqa: F401  (the adapter: the Recorder hears torch)
    functional = torch.nn.functional
    (images, labels), _ = load_digits()
    x = torch.tensor(images[:64].reshape(64, -1) / 255, dtype=torch.float32)
    y = torch.tensor(labels[:64], dtype=torch.int64)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimizer = torch.optim.SGD(net.parameters(), 0.1)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            loss = functional.cross_entropy(functional.relu(net(x)), y)  # TORCH RELU HEAD
            loss.backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "activated_logits"]
    assert finding.message.startswith("cross_entropy applies softmax to logits made by relu at "
                                      f"tests/{here('# TORCH RELU HEAD')}")
    assert finding.message.endswith("fix: no activation after the last layer (its nn.Linear's "
                                    "raw scores: cross_entropy applies log_softmax itself)")
    data, _ = synthetic_birth_life()
    rate, life = (torch.tensor(data[:, i:i + 1], dtype=torch.float32) for i in (0, 1))
    line = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(line.parameters(), 0.001)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            loss = ((life - torch.sigmoid(line(rate))) ** 2).mean()  # TORCH SIGMOID
            loss.backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "output_out_of_range"]
    assert finding.message.startswith("the prediction is made by sigmoid at "
                                      f"tests/{here('# TORCH SIGMOID')}")
    assert "(the last nn.Linear's output alone)" in finding.message
