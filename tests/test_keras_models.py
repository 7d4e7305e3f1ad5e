"""Keras models: Sequential, subclassed Models, summary, weights, and the training loop."""
import re

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.keras import layers as L

from programs import guide_cnn


pytestmark = pytest.mark.usefixtures("keras_session")


# what TF 2.21 (Keras 3) prints for it, where the terminal is 80 columns wide
GUIDE_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                 │ (None, None, None, 16) │           160 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_1 (Conv2D)               │ (None, None, None, 16) │         2,320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ global_average_pooling2d        │ (None, 16)             │             0 │
│ (GlobalAveragePooling2D)        │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 10)             │           170 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 2,650 (10.35 KB)
 Trainable params: 2,650 (10.35 KB)
 Non-trainable params: 0 (0.00 B)"""


def blobs(n=240, seed=0):
    """Three separable Gaussian blobs in 2-D with integer labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centers = np.array([[2.0, 0.0], [-2.0, 2.0], [0.0, -2.0]])
    x = (centers[y] + 0.5 * rng.normal(size=(n, 2))).astype(np.float32)
    return x, y.astype(np.int64)


# ---- Sequential ------------------------------------------------------------------------------
def test_sequential_with_input_shape_builds_and_prints_keras_summary():
    model = guide_cnn()
    assert model.built and model.count_params() == 2650
    lines = []
    model.summary(line_length=76, print_fn=lines.append)
    assert "\n".join(lines) == GUIDE_SUMMARY
    assert [layer.count_params() for layer in model.layers] == [160, 2320, 0, 170]


def test_summary_counts_non_trainable_batch_norm_statistics():
    model = tf.keras.Sequential([L.Dense(4, input_shape=(3,)), L.BatchNormalization(),
                                 L.Dense(1)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    # whole, wrapped in its cell as Keras 3 prints it (Keras 2 cut it: '... (BatchNo')
    assert "│ batch_normalization             │ (None, 4)" in text
    assert "│ (BatchNormalization)            │" in text
    assert "Total params: 37" in text and "Trainable params: 29" in text
    assert "Non-trainable params: 8" in text


def test_summary_of_an_unbuilt_model_says_how_to_build_it():
    model = tf.keras.Sequential([L.Dense(2)])
    lines = []
    model.summary(print_fn=lines.append)   # TF 2.21 prints it too (tf_fidelity's case)
    assert any("dense" in line and "0 (unbuilt)" in line for line in lines)
    assert " Total params: 0 (0.00 B)" in lines and "call it on a batch first" in lines[-1]
    model(np.ones((1, 3), np.float32))
    assert model.built and model.output_shape == (None, 2)
    model.build((None, 3))


def test_sequential_add_pop_and_errors():
    model = tf.keras.Sequential(name="stack")
    model.add(L.InputLayer(input_shape=(5,)))
    model.add(L.Dense(3))
    assert model.built and model.layers[0].input_shape == (None, 5)
    model.add(L.Dense(2, name="out"))
    assert model.output_shape == (None, 2) and model.get_layer("out") is model.layers[1]
    with pytest.raises(ValueError, match="unique names"):
        model.add(L.Dense(2, name="out"))
    with pytest.raises(TypeError, match="instance of class Layer"):
        model.add(lambda x: x)
    assert model.pop().name == "out" and len(model.layers) == 1
    assert tf.keras.Sequential([L.Input(shape=(4,)), L.Dense(1)]).count_params() == 5


def test_functional_model_refuses_what_is_not_a_keras_tensor():
    with pytest.raises(tf.InvalidArgumentError, match="Model: inputs must be KerasTensors"):
        tf.keras.Model(inputs=None, outputs=None)


def test_get_and_set_weights_use_keras_order_and_layouts():
    model = tf.keras.Sequential([L.Conv2D(4, 3, input_shape=(8, 8, 2)), L.BatchNormalization(),
                                 L.Flatten(), L.Dense(3)])
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(3, 3, 2, 4), (4,), (4,), (4,), (4,), (4,), (144, 3), (3,)]
    assert [w.name for w in model.weights][2:6] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    rng = np.random.default_rng(0)
    new = [rng.normal(size=s).astype(np.float32) for s in shapes]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expecting 8 weights"):
        model.set_weights(new[:-1])


def test_save_and_load_weights_round_trip(tmp_path):
    model = guide_cnn()
    model.save_weights(tmp_path / "cnn")
    before = model.get_weights()
    model.set_weights([np.zeros_like(w) for w in before])
    model.load_weights(tmp_path / "cnn")
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


# ---- subclassed models ---------------------------------------------------------------------------
class Block(L.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = L.Dense(units, activation="relu")
        self.norm = L.BatchNormalization()

    def call(self, x, training=None):
        return self.norm(self.dense(x), training=training)


class Net(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [Block(8), Block(8)]
        self.heads = {"out": L.Dense(3)}
        self.temperature = tf.Variable(1.0, name="temperature")

    def build(self, input_shape):
        self.offset = self.add_weight("offset", shape=(3,), initializer="zeros")

    def call(self, x, training=None):
        for block in self.blocks:
            x = block(x, training=training)
        return self.heads["out"](x) / self.temperature + self.offset


def test_subclassed_model_tracks_nested_layers_and_variables():
    model = Net()
    with tf.GradientTape() as tape:
        out = model(np.ones((4, 5), np.float32), training=True)
    assert tuple(out.shape) == (4, 3) and model.name == "net"
    assert [layer.name for layer in model.layers] == ["block", "block_1", "dense_2"]
    # per block: kernel, bias, gamma, beta trainable + 2 moving statistics
    assert len(model.trainable_variables) == 2 * 4 + 2 + 2
    assert len(model.non_trainable_variables) == 4 and len(model.weights) == 16
    assert model.weights[-2].name == "temperature:0" and model.weights[-1].name == "net/offset:0"
    scopes = {node.scope for node in tape.nodes}
    assert {"net/block/dense", "net/block_1/batch_normalization_1", "net/dense_2", "net"} <= scopes
    grads = tape.gradient(out, model.trainable_variables)
    assert all(g is not None for g in grads)
    model.blocks[0].trainable = False
    assert len(model.trainable_variables) == 8
    lines = []
    model.summary(print_fn=lines.append)
    assert any(line.startswith("│ block (Block)") for line in lines)


def test_subclassed_model_build_with_a_shape_creates_weights():
    class MLP(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = L.Dense(8, activation="relu")
            self.out = L.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    model = MLP()
    model.build((None, 5))
    assert model.built and [tuple(w.shape) for w in model.weights] == [(5, 8), (8,), (8, 2), (2,)]
    lines = []
    model.summary(print_fn=lines.append)
    assert " Total params: 66 (264.00 B)" in lines


# ---- training ------------------------------------------------------------------------------------
def small_classifier():
    return tf.keras.Sequential([L.Dense(16, activation="relu", input_shape=(2,)), L.Dense(3)])


def test_fit_reduces_the_loss_and_history_has_keras_keys(capsys):
    x, y = blobs()
    model = small_classifier()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=5, validation_data=(x[:60], y[:60]),
                        verbose=0)
    assert capsys.readouterr().out == ""
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.epoch == [0, 1, 2, 3, 4] and len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert model.metrics_names == ["loss", "accuracy"] and accuracy > 0.9
    assert model.evaluate(x, y, verbose=0, return_dict=True)["loss"] == pytest.approx(loss)
    predictions = model.predict(x, batch_size=50, verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (240, 3)
    assert (predictions.argmax(-1) == y).mean() == pytest.approx(accuracy)


def test_fit_prints_a_keras_progress_bar_per_epoch(capsys):
    x, y = blobs(64)
    model = small_classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(x, y, batch_size=16, epochs=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    # a value as Keras prints it, '0.3438' or, at most 1e-3, '0.0000e+00'; the weights are
    # random (unseeded) and the loss takes logits as probabilities, so a loss of 10.7089
    # (-log of a clipped 1e-7 is 16.1) and an accuracy of 0 came in about one run in five
    number = r"\d+\.\d{4}(e[+-]\d{2})?"
    bar = rf"4/4 ━{{20}} \d+s \d+(ms|us|s)/step - acc: {number} - loss: {number}"   # Keras 3's
    assert re.fullmatch(bar, out[1]), out[1]
    model.fit(x, y, batch_size=16, epochs=1, verbose=2)
    line = capsys.readouterr().out.strip()
    # Keras 3's verbose=2 line: the time per step before the metrics
    assert re.fullmatch(rf"4/4 - \d+s - \d+\w+/step - acc: {number} - loss: {number}",
                        line), line


def test_progress_bar_redraws_in_place_on_a_terminal():
    import io

    from tapeviz.keras.callbacks import Progbar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = Progbar(4, stream=stream)
    bar.update(1, {"loss": 0.5})
    bar.update(4, {"loss": 0.25}, finalize=True)
    first, final = stream.getvalue().split("\r")[1:]
    # Keras 3's styles: the count bold, the done fifth of the bar green, the rest white
    assert first.startswith("\x1b[1m1/4\x1b[0m \x1b[32m━━━━━\x1b[0m\x1b[37m" + "━" * 15
                            + "\x1b[0m \x1b[1m")
    # as in Keras, a value not named stateful shows its average over the steps so far:
    # (0.5 * 1 + 0.25 * 3) / 4
    final = re.sub(r"\x1b\[[0-9;]*m", "", final)
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+\w+/step - loss: 0\.3125\s*\n", final)


def test_progress_bar_says_the_time_left_as_keras_3():
    from tapeviz.keras.callbacks import _format_eta

    # Keras 3's '%ds' (cut, not rounded), minutes and hours (Keras 2 had 'ETA: 62:03')
    assert [_format_eta(s) for s in (5.9, 187, 3723.5)] == ["5s", "3:07", "1:02:03"]


def test_fit_on_a_dataset_ignores_batch_size_and_validates_on_a_dataset():
    x, y = blobs()
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(240).batch(40)
    model = small_classifier()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(train, epochs=3, batch_size=7, validation_data=train.take(2),
                        verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(tf.data.Dataset.from_tensor_slices(x).batch(100),
                         verbose=0).shape == (240, 3)
    assert isinstance(model.evaluate(train, verbose=0), float)


def test_fit_adds_layer_losses_and_mse_regression_converges():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    model = tf.keras.Sequential([L.Dense(1, input_shape=(3,))])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=20, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert history.history["loss"][-1] < 1e-3
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [1.0, -2.0, 0.5], atol=0.02)
    # an activity loss added in call() joins the training loss
    model.layers[0].add_loss(lambda: 10.0 * tf.reduce_sum(model.layers[0].bias))
    assert len(model.losses) == 1


def test_a_custom_train_step_drives_fit():
    calls = []

    class Counting(tf.keras.Sequential):
        def train_step(self, data):
            calls.append(len(data))
            return super().train_step(data)

    x, y = blobs(32)
    model = Counting([L.Dense(3, input_shape=(2,))])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert calls == [2, 2, 2, 2]


def test_fit_before_compile_is_a_clear_error():
    with pytest.raises(RuntimeError, match="compile"):
        small_classifier().fit(*blobs(8), verbose=0)


# ---- a cross-check against PyTorch ---------------------------------------------------------------
def test_guide_cnn_matches_torch_logits_loss_and_gradients():
    torch = pytest.importorskip("torch", reason="PyTorch cross-check: pip install torch==2.13.0")
    rng = np.random.default_rng(0)
    images = rng.normal(size=(4, 9, 9, 1)).astype(np.float32)
    labels = np.array([1, 0, 7, 3])
    model = guide_cnn()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        logits = model(images, training=True)
        loss = loss_fn(labels, logits)
    grads = tape.gradient(loss, model.trainable_variables)

    k1, b1, k2, b2, w, b = [torch.tensor(v, dtype=torch.float64, requires_grad=True)
                            for v in model.get_weights()]
    h = torch.tensor(images, dtype=torch.float64).permute(0, 3, 1, 2)  # NHWC -> NCHW
    h = torch.relu(torch.nn.functional.conv2d(h, k1.permute(3, 2, 0, 1), b1, padding=0))
    h = torch.relu(torch.nn.functional.conv2d(h, k2.permute(3, 2, 0, 1), b2, padding=0))
    torch_logits = h.mean(dim=(2, 3)) @ w + b
    torch_loss = torch.nn.functional.cross_entropy(torch_logits, torch.tensor(labels))
    torch_loss.backward()

    np.testing.assert_allclose(logits.numpy(), torch_logits.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    assert float(loss) == pytest.approx(torch_loss.item(), rel=1e-5)
    for grad, param in zip(grads, (k1, b1, k2, b2, w, b)):
        np.testing.assert_allclose(grad.numpy(), param.grad.numpy(), rtol=1e-3, atol=1e-6)


def test_a_training_step_never_computes_the_gradient_of_the_images():
    """The first conv's input is the images, which no variable depends on: its input
    gradient (a full convolution, as costly as the forward) is never computed, while the
    second conv's is, and both filter gradients are."""
    rng = np.random.default_rng(2)
    images = rng.random((4, 12, 12, 1), dtype=np.float32)
    labels = rng.integers(0, 10, 4)
    model = guide_cnn()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    ran = []

    def note(event):
        if type(event) is tf.OpExecuted and event.node.op.kind == "conv":
            ran.append((event.node.op.name, tuple(event.node.output.shape)))

    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(images, training=True))
    tf.subscribe(note)
    try:
        tape.gradient(loss, model.trainable_variables)
    finally:
        tf.unsubscribe(note)
    assert sorted(ran) == [("conv2d_backprop_filter", (3, 3, 1, 16)),
                           ("conv2d_backprop_filter", (3, 3, 16, 16)),
                           ("conv2d_backprop_input", (4, 10, 10, 16))]


def test_guide_cnn_at_the_benchmark_size_matches_torch_and_stays_float32():
    """Batch 32 of 28x28 images, as bench_cnn times it: the convolutions run by kernel taps
    and large outputs reuse dropped arrays; every op of forward and backward stays float32
    (no silent float64 temporaries) and the gradients agree with PyTorch's in float64."""
    torch = pytest.importorskip("torch", reason="PyTorch cross-check: pip install torch==2.13.0")
    rng = np.random.default_rng(1)
    images = rng.random((32, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, 32)
    model = guide_cnn()
    model(images[:1])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    dtypes = set()

    def note_dtype(event):
        if type(event) is tf.OpExecuted and event.node.output.dtype.is_floating:
            dtypes.add((event.node.op.name, event.node.output.dtype.name))

    tf.subscribe(note_dtype)
    try:
        for _ in range(2):  # the second step reuses the first one's dropped arrays
            with tf.GradientTape() as tape:
                loss = loss_fn(labels, model(images, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
    finally:
        tf.unsubscribe(note_dtype)
    assert {"conv2d_backprop_input", "conv2d_backprop_filter", "relu_grad"} <= \
        {name for name, _ in dtypes}
    assert {dtype for _, dtype in dtypes} == {"float32"}, sorted(dtypes)

    k1, b1, k2, b2, w, b = [torch.tensor(v, dtype=torch.float64, requires_grad=True)
                            for v in model.get_weights()]
    h = torch.tensor(images, dtype=torch.float64).permute(0, 3, 1, 2)
    h = torch.relu(torch.nn.functional.conv2d(h, k1.permute(3, 2, 0, 1), b1))
    h = torch.relu(torch.nn.functional.conv2d(h, k2.permute(3, 2, 0, 1), b2))
    torch_loss = torch.nn.functional.cross_entropy(h.mean(dim=(2, 3)) @ w + b,
                                                   torch.tensor(labels))
    torch_loss.backward()
    assert float(loss) == pytest.approx(torch_loss.item(), rel=1e-5)
    for grad, param in zip(grads, (k1, b1, k2, b2, w, b)):
        scale = float(param.grad.abs().max())
        np.testing.assert_allclose(grad.numpy(), param.grad.numpy(), rtol=0, atol=1e-4 * scale)


def test_a_tensorflow_model_method_tapeviz_lacks_is_said_to_be_not_covered():
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    assert not hasattr(model, "export") and not hasattr(model, "loss")   # loss: before compile
    with pytest.raises(AttributeError, match=r"tf.keras.Model.get_metrics_result is "
                                             r"TensorFlow's, and tapeviz does not cover it"):
        model.get_metrics_result()
    with pytest.raises(AttributeError) as plain:
        model.not_a_tensorflow_name()
    assert "TensorFlow's" not in str(plain.value)

    class Masking(tf.keras.Model):
        supports_masking = True   # a subclass's own attribute of a TF name wins

        def call(self, x):
            return x
    assert Masking().supports_masking is True
    model.compile(optimizer="sgd", loss="mse")
    assert model.loss == "mse"
