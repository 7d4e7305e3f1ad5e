"""Keras layers: names, shapes, weight layouts, training flags, scopes and gradients."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger.gradcheck import numeric_gradient
from tapeviz.keras import activations, backend, initializers
from tapeviz.keras import layers as L


pytestmark = pytest.mark.usefixtures("keras_session")


# ---- names and variables ---------------------------------------------------------------------
def test_default_names_are_unique_snake_case_per_class_and_reset_by_clear_session():
    names = [L.Dense(1).name, L.Dense(1).name, L.Conv2D(1, 3).name,
             L.GlobalAveragePooling2D().name, L.ReLU().name, L.MaxPool2D().name,
             L.BatchNormalization().name, L.Dense(1, name="head").name, L.Dense(1).name]
    assert names == ["dense", "dense_1", "conv2d", "global_average_pooling2d", "re_lu",
                     "max_pooling2d", "batch_normalization", "head", "dense_2"]
    backend.clear_session()
    assert L.Dense(1).name == "dense"


def test_dense_weights_have_keras_names_layouts_and_defaults():
    layer = L.Dense(3)
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 5), np.float32))
    assert layer.built and tuple(out.shape) == (2, 3)
    kernel, bias = layer.weights
    assert (kernel.name, bias.name) == ("dense/kernel:0", "dense/bias:0")
    assert tuple(kernel.shape) == (5, 3) and tuple(bias.shape) == (3,)
    assert np.all(bias.numpy() == 0)  # Keras default: zero biases
    limit = np.sqrt(6 / (5 + 3))  # glorot_uniform
    assert np.abs(kernel.numpy()).max() <= limit
    assert layer.count_params() == 18
    assert len(layer.trainable_variables) == 2 and layer.non_trainable_variables == []


def test_dense_applies_to_the_last_axis_of_any_rank_input():
    layer = L.Dense(4, use_bias=False)
    x = np.random.default_rng(0).normal(size=(2, 3, 5)).astype(np.float32)
    out = layer(x)
    assert tuple(out.shape) == (2, 3, 4) and len(layer.weights) == 1
    np.testing.assert_allclose(out.numpy(), x @ layer.kernel.numpy(), rtol=1e-5)
    assert layer.compute_output_shape((None, 3, 5)) == (None, 3, 4)


def test_dense_fed_the_wrong_width_names_the_layer_and_both_shapes():
    layer = L.Dense(10, input_shape=(784,))
    layer(tf.zeros([1, 784]))
    with pytest.raises(ValueError) as info:
        layer(tf.zeros([32, 10]))
    message = str(info.value)
    assert 'layer "dense"' in message and "784" in message and "(32, 10)" in message
    assert "test_keras_layers.py" in message  # the user's line


@pytest.mark.parametrize("make, checks, shape, refused", [
    (lambda: L.Dense(3), "_check_features", (4, 5), (4, 6)),
    (lambda: L.Conv2D(2, 3), "_check_channels", (4, 6, 6, 2), (4, 6, 6, 3)),
])
def test_dense_and_conv2d_check_an_input_shape_once_for_any_batch(make, checks, shape,
                                                                   refused, monkeypatch):
    layer = make()
    layer(tf.zeros(shape))
    made = getattr(type(layer), checks)
    seen = []
    monkeypatch.setattr(type(layer), checks, lambda self, *args: seen.append(args[1:]) or
                        made(self, *args))
    for batch in (4, 7, 4):   # checked before: the call runs the layer's ops, unchecked
        assert tuple(layer(tf.zeros((batch,) + shape[1:])).shape)[0] == batch
    assert seen == []
    with pytest.raises(ValueError, match=layer.name):   # another shape: checked, refused
        layer(tf.zeros(refused))
    assert len(seen) == 1


def test_add_weight_names_and_tracks_variables_with_initializers():
    class Scale(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", shape=(input_shape[-1],), initializer="ones")
            self.steps = self.add_weight("steps", shape=(), initializer="zeros",
                                         trainable=False)

        def call(self, x):
            return x * self.w

    layer = Scale(name="scale")
    layer(tf.ones([2, 3]))
    assert [v.name for v in layer.weights] == ["scale/w:0", "scale/steps:0"]
    assert layer.trainable_weights == [layer.w]
    assert layer.non_trainable_weights == [layer.steps]
    assert layer.w.numpy().tolist() == [1.0, 1.0, 1.0]


def test_losses_added_in_call_last_until_the_next_outer_call_and_attributes_are_tracked():
    class Penalized(L.Layer):
        def __init__(self):
            super().__init__()
            self.size, self.names, self.fn = 3, ("a", 1, None), abs  # plain values: not tracked
            self.blocks = [[L.Dense(2)], {"head": L.Dense(1)}]

        def call(self, x):
            self.add_loss(tf.reduce_sum(x))
            return self.blocks[1]["head"](self.blocks[0][0](x))

    outer = tf.keras.Sequential([Penalized()])
    inner = outer.layers[0]
    outer(tf.ones([1, 3]))         # builds the model first
    outer(tf.ones([1, 3]) * 2.0)
    assert [float(loss) for loss in outer.losses] == [6.0]
    outer(tf.ones([1, 3]) * 3.0)   # the next outer call drops the last call's loss
    assert [float(loss) for loss in outer.losses] == [9.0]
    assert len(inner.trainable_weights) == 4 and len(inner.submodules) == 2
    inner.blocks[0].append(L.Dense(5))   # a sublayer added to a list later is found too
    assert len(inner.submodules) == 3


def test_freezing_a_layer_moves_its_weights_to_non_trainable():
    layer = L.Dense(2)
    layer(tf.ones([1, 3]))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


def test_unknown_keyword_and_missing_super_init_are_clear_errors():
    with pytest.raises(TypeError, match="units_"):
        L.Dense(3, units_=4)

    class Broken(L.Layer):
        def __init__(self):
            self.inner = L.Dense(2)

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_get_and_set_weights_round_trip_with_shape_checks():
    layer = L.Dense(2)
    layer(tf.ones([1, 3]))
    new = [np.arange(6, dtype=np.float32).reshape(3, 2), np.array([1.0, -1.0], np.float32)]
    layer.set_weights(new)
    for got, want in zip(layer.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights(new[:1])
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        layer.set_weights([new[0].T, new[1]])


# ---- conv and pooling ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, expected", [
    ({"kernel_size": 3}, (2, 6, 5, 4)),
    ({"kernel_size": (3, 2), "padding": "same"}, (2, 8, 7, 4)),
    ({"kernel_size": 3, "strides": 2}, (2, 3, 3, 4)),
    ({"kernel_size": 3, "strides": 2, "padding": "same"}, (2, 4, 4, 4)),
    ({"kernel_size": 2, "dilation_rate": 2}, (2, 6, 5, 4)),
])
def test_conv2d_output_shapes_match_compute_output_shape(kwargs, expected):
    layer = L.Conv2D(4, **kwargs)
    out = layer(tf.ones([2, 8, 7, 3]))
    assert tuple(out.shape) == expected
    assert layer.compute_output_shape((None, 8, 7, 3)) == (None,) + expected[1:]
    assert tuple(layer.kernel.shape) == tuple(np.broadcast_to(kwargs["kernel_size"], 2)) + (3, 4)


def test_conv2d_matches_a_numpy_cross_correlation_with_bias():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 5, 5, 2))
    layer = L.Conv2D(3, 3, activation="relu", bias_initializer=initializers.Constant(0.1),
                     dtype="float64")
    out = layer(x).numpy()
    k, b = layer.get_weights()
    want = np.zeros((1, 3, 3, 3))
    for i in range(3):
        for j in range(3):
            want[0, i, j] = np.tensordot(x[0, i:i + 3, j:j + 3], k, axes=3) + b
    np.testing.assert_allclose(out, np.maximum(want, 0), rtol=1e-10)


def test_conv2d_on_a_rank_3_input_says_what_it_expected():
    with pytest.raises(ValueError, match="rank 4"):
        L.Conv2D(2, 3)(tf.ones([5, 5, 1]))


def test_pooling_layers_match_numpy():
    x = np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2)
    blocks = x.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(1, 2, 2, 4, 2)
    np.testing.assert_array_equal(L.MaxPooling2D()(x).numpy(), blocks.max(axis=3))
    np.testing.assert_allclose(L.AveragePooling2D((2, 2))(x).numpy(), blocks.mean(axis=3))
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)))
    assert tuple(L.MaxPool2D(3, strides=1, padding="same")(x).shape) == (1, 4, 4, 2)
    assert L.AvgPool2D is L.AveragePooling2D and L.GlobalAvgPool2D is L.GlobalAveragePooling2D
    assert L.GlobalAveragePooling2D(keepdims=True)(x).shape == (1, 1, 1, 2)


def test_global_average_pool_of_images_matches_float64_and_keeps_numpy_overflow_warning():
    """At image sizes the mean is a matmul with ones: as accurate as numpy's, and an overflow
    still says which op overflowed."""
    x = np.random.default_rng(2).normal(size=(4, 9, 9, 3)).astype(np.float32) * 100
    got = L.GlobalAveragePooling2D()(x).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, x.astype(np.float64).mean(axis=(1, 2)), rtol=1e-5, atol=1e-4)
    with pytest.warns(RuntimeWarning, match="reduce_mean: overflow encountered in reduce"):
        huge = L.GlobalAveragePooling2D()(np.full((2, 9, 9, 3), 3e37, np.float32)).numpy()
    assert np.isinf(huge).all()


def test_flatten_keeps_the_batch_axis():
    assert tuple(L.Flatten()(tf.ones([4, 3, 2, 1])).shape) == (4, 6)
    assert L.Flatten().compute_output_shape((None, 3, 2)) == (None, 6)


# ---- training flags ----------------------------------------------------------------------------
def test_dropout_drops_only_when_training_is_true():
    layer = L.Dropout(0.5)
    x = tf.ones([100, 100])
    for training in (None, False):
        np.testing.assert_array_equal(layer(x, training=training).numpy(), x.numpy())
    dropped = layer(x, training=True).numpy()
    assert set(np.unique(dropped)) == {0.0, 2.0}
    assert 0.4 < (dropped == 0).mean() < 0.6


def test_training_flag_reaches_layers_nested_in_a_model():
    model = tf.keras.Sequential([L.Dense(50, kernel_initializer="ones"), L.Dropout(0.5)])
    x = tf.ones([4, 3])
    assert np.all(model(x).numpy() == 3.0)
    assert np.any(model(x, training=True).numpy() == 0.0)


def test_batch_normalization_training_uses_batch_statistics_and_updates_moving_ones():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(64, 3)).astype(np.float32)
    bn = L.BatchNormalization(momentum=0.9)
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-3), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * x.var(axis=0), rtol=1e-5)
    assert [v.name for v in bn.weights] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_batch_normalization_inference_uses_moving_statistics_and_leaves_them():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(16, 2)).astype(np.float32)
    bn = L.BatchNormalization()
    bn(x, training=True)
    mean, var = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    for training in (None, False):
        y = bn(x, training=training).numpy()
        np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mean)
    bn.trainable = False  # a frozen BatchNormalization runs in inference mode (TF 2)
    np.testing.assert_allclose(bn(x, training=True).numpy(), y, rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mean)


def test_batch_normalization_on_images_updates_the_moving_variance_biased_as_keras_3():
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 4)).astype(np.float32)
    bn = L.BatchNormalization(momentum=0.0)
    bn(x, training=True)  # Keras 2's fused rank-4 path used ddof=1; Keras 3 uses the batch's
    np.testing.assert_allclose(bn.moving_variance.numpy(), x.var(axis=(0, 1, 2), ddof=0),
                               rtol=1e-5)


# ---- initializers and activations ----------------------------------------------------------------
def test_initializers_follow_keras_fan_rules_and_repeat_under_set_seed():
    assert initializers.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert initializers.compute_fans((10, 20)) == (10, 20)
    w = initializers.get("glorot_uniform")((3, 3, 16, 32)).numpy()
    assert np.abs(w).max() <= np.sqrt(6 / (144 + 288))
    he = initializers.HeNormal()((200, 300)).numpy()
    assert abs(he.std() - np.sqrt(2 / 200)) < 0.01
    assert np.abs(he).max() <= 2 * np.sqrt(2 / 200) / 0.8796  # truncated at 2 stddevs
    tf.random.set_seed(7)
    a = initializers.GlorotNormal()((4, 4)).numpy()
    tf.random.set_seed(7)
    np.testing.assert_array_equal(a, initializers.get("glorot_normal")((4, 4)).numpy())
    normal = initializers.RandomNormal(mean=1.0, stddev=0.1)((1000,)).numpy()
    assert abs(normal.mean() - 1.0) < 0.02
    uniform = initializers.RandomUniform(-2.0, -1.0)((1000,)).numpy()
    assert uniform.min() >= -2.0 and uniform.max() < -1.0
    assert initializers.Constant(3)((2,)).numpy().tolist() == [3.0, 3.0]
    assert initializers.get("ones")((2,), dtype="float64").dtype == tf.float64
    assert isinstance(initializers.get("HeUniform"), initializers.HeUniform)
    custom = initializers.get(lambda shape, dtype=None: tf.fill(shape, 5.0))
    assert L.Dense(1, kernel_initializer=custom)(tf.ones([1, 2])).numpy().item() == 10.0
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get("glorot")


def test_initializer_draws_are_visible_to_subscribers():
    seen = tf.subscribe(lambda event: seen_ops.append(event.node.op.name))
    seen_ops = []
    try:
        L.Dense(2)(tf.ones([1, 3]))
    finally:
        tf.unsubscribe(seen)
    assert "random_uniform" in seen_ops


def test_activations_by_name_callable_and_none():
    x = tf.constant([-2.0, 0.5, 3.0])
    assert activations.get(None) is activations.linear
    assert activations.get(tf.nn.relu) is tf.nn.relu
    np.testing.assert_allclose(activations.get("relu")(x).numpy(), [0, 0.5, 3])
    np.testing.assert_allclose(activations.sigmoid(x).numpy(), 1 / (1 + np.exp([2, -0.5, -3])),
                               rtol=1e-6)
    np.testing.assert_allclose(activations.get("tanh")(x).numpy(), np.tanh([-2, 0.5, 3]),
                               rtol=1e-6)
    np.testing.assert_allclose(activations.softplus(x).numpy(), np.log1p(np.exp([-2, 0.5, 3])),
                               rtol=1e-6)
    np.testing.assert_allclose(activations.elu(x).numpy(), [np.expm1(-2), 0.5, 3], rtol=1e-6)
    np.testing.assert_allclose(activations.leaky_relu(x).numpy(), [-0.4, 0.5, 3], rtol=1e-6)
    np.testing.assert_allclose(activations.softmax(tf.constant([[1.0, 1.0]])).numpy(),
                               [[0.5, 0.5]])
    np.testing.assert_allclose(L.ReLU(max_value=1.0)(x).numpy(), [0, 0.5, 1])
    np.testing.assert_allclose(L.Activation("linear")(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="Unknown activation"):
        activations.get("relu7")


# ---- scopes on the tape -------------------------------------------------------------------
def test_ops_inside_layers_record_the_layer_path_as_scope():
    model = tf.keras.Sequential([L.Conv2D(4, 3, activation="relu", input_shape=(6, 6, 1)),
                                 L.Conv2D(4, 3, activation="relu"), L.Flatten(), L.Dense(2)])
    with tf.GradientTape() as tape:
        model(tf.ones([2, 6, 6, 1]))
    by_scope = {}
    for node in tape.nodes:
        by_scope.setdefault(node.scope, []).append(node.op.name)
    assert by_scope["sequential/conv2d_1"] == ["conv2d", "bias_add", "relu"]
    assert by_scope["sequential/flatten"] == ["reshape"]
    assert by_scope["sequential/dense"] == ["matmul", "bias_add"]
    assert set(by_scope) == {"sequential/conv2d", "sequential/conv2d_1", "sequential/flatten",
                             "sequential/dense"}


def test_weight_creation_ops_run_under_the_layer_scope():
    scopes = []
    seen = tf.subscribe(lambda event: scopes.append((event.node.scope, event.node.op.name)))
    try:
        tf.keras.Sequential([L.Dense(2, input_shape=(3,))])
    finally:
        tf.unsubscribe(seen)
    assert ("sequential/dense", "random_uniform") in scopes


# ---- gradients against finite differences ---------------------------------------------------
def _check_layer_gradients(layer, x, eps=1e-6, rtol=1e-6, **call_kwargs):
    """d sum(layer(x) * v) / d w from the tape equals central differences, for every weight."""
    x = tf.constant(x)
    layer(x, **call_kwargs)  # build
    v = np.random.default_rng(3).normal(size=tuple(layer(x, **call_kwargs).shape))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x, **call_kwargs) * v)
    sources = [x] + layer.trainable_variables
    grads = tape.gradient(y, sources)
    for source, grad in zip(sources, grads):
        base = source.numpy().astype(np.float64)
        u = np.random.default_rng(4).normal(size=base.shape)

        def f(value, source=source):
            if source is x:
                return float(np.sum(layer(tf.constant(value), **call_kwargs).numpy() * v))
            saved = source.numpy()
            source.assign(value)
            try:
                return float(np.sum(layer(x, **call_kwargs).numpy() * v))
            finally:
                source.assign(saved)

        numeric = float(numeric_gradient(f, base, u, eps))
        analytic = float(np.sum(grad.numpy() * u))
        assert np.isclose(analytic, numeric, rtol=rtol, atol=1e-8), (source.name if source
                                                                     is not x else "x")


def test_dense_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    _check_layer_gradients(L.Dense(3, activation="tanh", dtype="float64",
                                   bias_initializer="random_normal"), rng.normal(size=(4, 5)))


def test_conv2d_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    _check_layer_gradients(L.Conv2D(2, 3, strides=2, padding="same", activation="sigmoid",
                                    dtype="float64"), rng.normal(size=(2, 5, 5, 3)))


def test_the_guides_cnn_gradients_match_finite_differences_at_image_sizes():
    """Conv2D relu x2, GlobalAveragePooling2D, Dense on 3 images of 12x12 (float64): the
    stride-1 input gradient, the reused windows and the pooled and bias sums at real sizes."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([L.Conv2D(4, 3, activation="relu", dtype="float64"),
                                 L.Conv2D(5, 3, activation="relu", dtype="float64",
                                          bias_initializer="random_normal"),
                                 L.GlobalAveragePooling2D(dtype="float64"),
                                 L.Dense(3, dtype="float64")], dtype="float64")
    _check_layer_gradients(model, np.random.default_rng(1).normal(size=(3, 12, 12, 2)))


def test_batch_normalization_training_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    bn = L.BatchNormalization(dtype="float64", gamma_initializer="random_normal",
                              beta_initializer="random_normal", momentum=1.0)
    _check_layer_gradients(bn, rng.normal(size=(6, 3)), training=True)


def test_pooling_and_flatten_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    model = tf.keras.Sequential([L.Conv2D(2, 2, dtype="float64"), L.MaxPooling2D(dtype="float64"),
                                 L.AveragePooling2D(1, dtype="float64"),
                                 L.Flatten(dtype="float64"), L.Dense(2, dtype="float64")],
                                dtype="float64")
    _check_layer_gradients(model, rng.normal(size=(2, 5, 5, 1)))


def test_layers_and_variables_held_in_tuples_are_tracked_and_plain_tuples_skipped():
    class Holder(L.Layer):
        def __init__(self):
            super().__init__()
            self.pair = (L.Dense(2), L.Dense(3))
            self.scales = (tf.Variable(1.0), tf.Variable(2.0))
            self.mixed = (3, tf.Variable(4.0))
            self.nested = ((tf.Variable(5.0),),)
            self.window = (3, 4)  # a plain tuple: nothing in it to track

        def call(self, x):
            return self.pair[1](self.pair[0](x))

    holder = Holder()
    holder(tf.ones((1, 4)))
    layers, variables = holder._tracked()
    assert layers == list(holder.pair)
    assert [v.numpy().item() for v in variables] == [1.0, 2.0, 4.0, 5.0]
    assert len(holder.trainable_variables) == 4 + 4  # two Dense's kernel and bias, then four


def test_embedding_refuses_mask_zero_and_warns_of_input_length_from_the_users_line():
    with pytest.raises(ValueError, match="Embedding: mask_zero=True: tapeviz's layers take no "
                                         "masks"):
        tf.keras.layers.Embedding(10, 2, mask_zero=True)
    with pytest.warns(UserWarning, match="input_length` is deprecated") as caught:
        tf.keras.layers.Embedding(10, 2, input_length=5)
    assert caught[0].filename == __file__


def test_a_gru_char_model_trains_with_dropout_and_summarizes():
    model = tf.keras.Sequential([tf.keras.Input((6,)), L.Embedding(12, 4),
                                 L.GRU(8, return_sequences=True, dropout=0.2,
                                       recurrent_dropout=0.2), L.Dense(12)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = np.tile(np.arange(12) % 6, (4, 1))
    history = model.fit(ids[:, :6], ids[:, 1:7], epochs=15, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]
    assert "(None, 6, 8)" in _summary(model)


def _summary(model) -> str:
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def test_recurrent_layers_refuse_what_they_do_not_cover():
    with pytest.raises(ValueError, match="LSTM: stateful=True is not covered"):
        L.LSTM(2, stateful=True)
    with pytest.raises(ValueError, match="GRU: initial_state must hold 1 state"):
        L.GRU(2)(tf.zeros([1, 3, 2]), initial_state=[tf.zeros([1, 2])] * 2)


def test_a_layer_made_with_tf_constant_initializer_is_cloned_from_its_config():
    dense = L.Dense(2, kernel_initializer=tf.constant_initializer([[1.0, 2.0]]))
    model = tf.keras.Sequential([tf.keras.Input((1,)), dense])
    clone = tf.keras.models.clone_model(model)
    np.testing.assert_array_equal(clone.layers[0].kernel.numpy(), [[1.0, 2.0]])
