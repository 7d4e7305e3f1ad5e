"""Keras losses against numpy references: values, reductions, sample weights, gradients, errors."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger.gradcheck import numeric_gradient
from tapeviz.keras import losses

EPS = 1e-7
rng = np.random.default_rng(0)
N, C = 5, 4


# ---- numpy references (Keras's formulas), one value per example ------------------------------
def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def ref_scce(y, p, from_logits=False):
    logp = np.log(_softmax(p)) if from_logits else np.log(_renorm(np.clip(p, EPS, 1 - EPS)))
    return -np.take_along_axis(logp, y[:, None].astype(int), -1)[:, 0]


def _renorm(p):
    return p / p.sum(-1, keepdims=True)


def ref_cce(y, p, from_logits=False):
    logp = np.log(_softmax(p)) if from_logits else np.log(np.clip(_renorm(p), EPS, 1 - EPS))
    return -(y * logp).sum(-1)


def ref_bce(y, p, from_logits=False):
    if from_logits:
        return (np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p)))).mean(-1)
    p = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p + EPS) + (1 - y) * np.log(1 - p + EPS)).mean(-1)


def ref_huber(y, p, delta=1.0):
    e = np.abs(p - y)
    return np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2).mean(-1)


probs = _softmax(rng.normal(size=(N, C)))
labels = rng.integers(0, C, size=N)
onehot = np.eye(C)[labels]
binary = rng.integers(0, 2, size=(N, 3)).astype(np.float64)
CASES = {  # name: (loss class kwargs, y_true, y_pred, reference per example)
    "scce": (losses.SparseCategoricalCrossentropy, {}, labels, probs, ref_scce),
    "scce_logits": (losses.SparseCategoricalCrossentropy, {"from_logits": True}, labels,
                    rng.normal(size=(N, C)) * 3, lambda y, p: ref_scce(y, p, True)),
    "cce": (losses.CategoricalCrossentropy, {}, onehot, probs, ref_cce),
    "cce_logits": (losses.CategoricalCrossentropy, {"from_logits": True}, onehot,
                   rng.normal(size=(N, C)) * 3, lambda y, p: ref_cce(y, p, True)),
    "bce": (losses.BinaryCrossentropy, {}, binary, rng.uniform(0.05, 0.95, (N, 3)), ref_bce),
    "bce_logits": (losses.BinaryCrossentropy, {"from_logits": True}, binary,
                   rng.normal(size=(N, 3)) * 3, lambda y, p: ref_bce(y, p, True)),
    "mse": (losses.MeanSquaredError, {}, rng.normal(size=(N, 3)), rng.normal(size=(N, 3)),
            lambda y, p: ((p - y) ** 2).mean(-1)),
    "mae": (losses.MeanAbsoluteError, {}, rng.normal(size=(N, 3)), rng.normal(size=(N, 3)),
            lambda y, p: np.abs(p - y).mean(-1)),
    "huber": (losses.Huber, {"delta": 0.7}, rng.normal(size=(N, 3)), rng.normal(size=(N, 3)),
              lambda y, p: ref_huber(y, p, 0.7)),
}
REDUCTIONS = {"sum_over_batch_size": np.mean, "mean": np.mean, "auto": np.mean, "sum": np.sum,
              "mean_with_sample_weight": np.mean, "none": lambda x: x}


@pytest.mark.parametrize("reduction", sorted(REDUCTIONS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_loss_matches_numpy_for_each_reduction(case, reduction):
    cls, kwargs, y_true, y_pred, ref = CASES[case]
    got = cls(reduction=reduction, dtype="float64", **kwargs)(y_true, y_pred).numpy()
    np.testing.assert_allclose(got, REDUCTIONS[reduction](ref(y_true, y_pred)), rtol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_loss_weights_examples_by_sample_weight(case):
    cls, kwargs, y_true, y_pred, ref = CASES[case]
    weight = rng.uniform(0, 2, size=N)
    per_example = ref(y_true, y_pred)
    loss = cls(**kwargs)
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=weight).numpy(),
                               (per_example * weight).sum() / N, rtol=1e-6)
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=weight[:, None]).numpy(),
                               (per_example * weight).sum() / N, rtol=1e-6)
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=2.0).numpy(),
                               2 * per_example.mean(), rtol=1e-6)


def test_reduction_constants_are_the_keras_names():
    assert losses.Reduction.SUM_OVER_BATCH_SIZE == "sum_over_batch_size"
    loss = losses.MeanSquaredError(reduction=losses.Reduction.NONE)
    assert loss([[1.0], [2.0]], [[1.0], [4.0]]).shape == (2,)
    with pytest.raises(ValueError, match="MeanSquaredError: Invalid value for argument "
                                         "`reduction`.*Received: reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")


def test_mean_with_sample_weight_divides_by_the_weights_sum():
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    got = loss([[0.0], [0.0], [0.0]], [[1.0], [2.0], [3.0]], sample_weight=[1.0, 3.0, 0.0])
    np.testing.assert_allclose(got.numpy(), (1.0 * 1 + 4.0 * 3) / 4.0, rtol=1e-6)


def test_loss_dtype_casts_its_inputs_and_refuses_integers():
    doubled = losses.MeanSquaredError(dtype="float64")
    assert doubled.dtype == "float64"
    assert doubled(np.ones(2, np.float32), np.zeros(2, np.float32)).dtype == "float64"
    assert losses.MeanSquaredError()(np.ones(2), np.zeros(2)).dtype == "float32"
    with pytest.raises(ValueError, match="Huber: dtype must be a float dtype.*'int32'"):
        losses.Huber(dtype="int32")


@pytest.mark.parametrize("name", ["sparse_categorical_crossentropy", "categorical_crossentropy",
                                  "binary_crossentropy", "mean_squared_error",
                                  "mean_absolute_error", "huber"])
def test_loss_function_form_equals_the_class_per_example(name):
    case = {"sparse_categorical_crossentropy": "scce", "categorical_crossentropy": "cce",
            "binary_crossentropy": "bce", "mean_squared_error": "mse",
            "mean_absolute_error": "mae", "huber": "huber"}[name]
    cls, kwargs, y_true, y_pred, ref = CASES[case]
    kwargs = {} if name == "huber" else kwargs
    got = getattr(losses, name)(y_true, y_pred, **kwargs).numpy()
    np.testing.assert_allclose(got, ref(y_true, y_pred) if name != "huber"
                               else ref_huber(y_true, y_pred), rtol=1e-6)


def test_from_logits_stays_finite_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]], np.float32)
    scce = losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")
    np.testing.assert_allclose(scce([0, 0], logits).numpy(), [0.0, 2000.0])
    cce = losses.CategoricalCrossentropy(from_logits=True, reduction="none")
    np.testing.assert_allclose(cce(np.eye(3)[[0, 0]], logits).numpy(), [0.0, 2000.0])
    bce = losses.BinaryCrossentropy(from_logits=True, reduction="none")
    np.testing.assert_allclose(bce([[1.0], [0.0]], [[1000.0], [1000.0]]).numpy(), [0.0, 1000.0])


def test_probabilities_are_clipped_to_keras_epsilon():
    loss = losses.sparse_categorical_crossentropy([0], np.array([[0.0, 1.0]], np.float64))
    np.testing.assert_allclose(loss.numpy(), [-np.log(EPS / (1.0))], rtol=1e-6)
    assert np.isfinite(losses.binary_crossentropy([[1.0]], [[0.0]]).numpy()).all()


@pytest.mark.parametrize("case", sorted(CASES))
def test_loss_gradient_matches_finite_differences(case):
    cls, kwargs, y_true, y_pred, _ = CASES[case]
    loss = cls(dtype="float64", **kwargs)   # as the float64 finite differences
    x = tf.Variable(y_pred.astype(np.float64))
    weight = np.linspace(0.5, 1.5, N)
    with tf.GradientTape() as tape:
        value = loss(y_true, x, sample_weight=weight)
    grad = tape.gradient(value, x).numpy()
    numeric = numeric_gradient(lambda p: float(loss(y_true, p, sample_weight=weight)),
                               y_pred.astype(np.float64))
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_gradients_match_closed_forms():
    logits = tf.Variable(rng.normal(size=(N, C)))
    with tf.GradientTape(persistent=True) as tape:
        scce = losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(labels,
                                                                                      logits)
        mse = losses.MeanSquaredError(dtype="float64")(onehot, logits)
        bce = losses.BinaryCrossentropy(from_logits=True, dtype="float64")(onehot, logits)
    x = logits.numpy()
    np.testing.assert_allclose(tape.gradient(scce, logits).numpy(), (_softmax(x) - onehot) / N)
    np.testing.assert_allclose(tape.gradient(mse, logits).numpy(), 2 * (x - onehot) / (N * C))
    sigmoid = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(tape.gradient(bce, logits).numpy(), (sigmoid - onehot) / (N * C))


def test_loss_class_squeezes_a_trailing_one_like_keras():
    y_true = np.array([1.0, 2.0, 3.0], np.float32)
    y_pred = np.array([[1.0], [2.0], [5.0]], np.float32)
    assert float(losses.MeanSquaredError()(y_true, y_pred)) == pytest.approx(4 / 3)
    scce = losses.SparseCategoricalCrossentropy()(labels[:, None], probs)
    np.testing.assert_allclose(scce.numpy(), ref_scce(labels, probs).mean(), rtol=1e-6)


def test_function_form_warns_when_labels_and_predictions_broadcast_to_a_square():
    # a (3,) against a (3, 1) is compared row by row, as Keras 3 does (tests/
    # test_reliability_mistakes.py); a row against a column of one rank still broadcasts
    with pytest.warns(UserWarning, match=r"broadcast to \(3, 3\)") as record:
        losses.mse(np.zeros((1, 3), np.float32), np.zeros((3, 1), np.float32))
    assert record.list[0].filename == __file__  # the user's line, not the loss module's


def test_shape_errors_name_the_loss_and_both_shapes():
    with pytest.raises(tf.ShapeError, match=r"categorical_crossentropy.*\(5,\).*\(5, 4\)") as err:
        losses.CategoricalCrossentropy()(labels, probs)
    assert "SparseCategoricalCrossentropy" in str(err.value)
    with pytest.raises(tf.ShapeError, match=r"sparse_categorical_crossentropy.*\(5, 4\)") as err:
        losses.SparseCategoricalCrossentropy()(onehot, probs)
    assert "CategoricalCrossentropy" in str(err.value)
    with pytest.raises(tf.ShapeError, match=r"mean_squared_error.*\(5, 3\).*\(5, 4\)"):
        losses.MeanSquaredError()(np.zeros((5, 3)), probs)
    with pytest.raises(tf.ShapeError, match="sample_weight"):
        losses.MeanSquaredError()(probs, probs, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*\[0, 4\)"):
        losses.sparse_categorical_crossentropy([7, 0, 0, 0, 0], probs)


def test_errors_point_at_the_users_line():
    with pytest.raises(tf.ShapeError) as err:
        losses.CategoricalCrossentropy()(labels, probs)
    assert err.value.source.filename == __file__


def test_get_accepts_names_instances_and_callables():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MAE") is losses.mean_absolute_error
    assert losses.get("sparse_categorical_crossentropy") is losses.sparse_categorical_crossentropy
    assert isinstance(losses.get("Huber"), losses.Huber)
    instance = losses.BinaryCrossentropy(from_logits=True)
    assert losses.get(instance) is instance
    fn = lambda y, p: p  # noqa: E731
    assert losses.get(fn) is fn
    with pytest.raises(ValueError, match="Unknown loss function: 'msee'"):
        losses.get("msee")
    assert tf.keras.losses.deserialize(losses.serialize(instance)).get_config() == \
        instance.get_config()


def test_loss_ops_run_under_the_loss_name_scope():
    seen = tf.subscribe(lambda event: scopes.append(event.node.scope))
    scopes = []
    try:
        losses.MeanSquaredError()([[1.0]], [[2.0]])
    finally:
        tf.unsubscribe(seen)
    assert scopes and all(scope == "mean_squared_error" for scope in scopes)


def test_label_smoothing_moves_targets_toward_uniform():
    got = losses.CategoricalCrossentropy(label_smoothing=0.2, reduction="none")(onehot, probs)
    smoothed = onehot * 0.8 + 0.2 / C
    np.testing.assert_allclose(got.numpy(), ref_cce(smoothed, probs), rtol=1e-6)
