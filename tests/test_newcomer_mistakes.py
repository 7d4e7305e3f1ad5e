"""A TF 2 newcomer's mistakes: each is refused where TensorFlow refuses it, with a message that
names the op, what was expected, what came and the newcomer's own line; and the tape, the
variable or the optimizer still works after it.

What test_errors.py and test_fuzz_errors.py hold (op shape and dtype errors, argument
checks) is not repeated here: these are the mistakes around them (tapes, optimizers, data,
numpy arrays meeting weights)."""
import sys
import warnings

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised


# ---- tapes ------------------------------------------------------------------------------------
def test_a_second_gradient_of_a_non_persistent_tape_names_the_call_and_the_fix():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 6.0
    err, line = raised(RuntimeError, lambda: tape.gradient(z, x))
    text = str(err)
    assert text.startswith("GradientTape.gradient: A non-persistent GradientTape can only be "
                           "used to compute one set of gradients")   # TF's own words
    assert "this call to gradient is the second" in text
    assert "persistent=True" in err.hint
    assert_names_this_line(err, line)
    with tf.GradientTape() as tape:   # the next correct step works
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_watching_a_python_float_says_what_came_and_how_to_make_it_a_tensor():
    x = 3.0
    with tf.GradientTape() as tape:
        err, line = raised(TypeError, lambda: tape.watch(x))
        w = tf.constant(x)
        tape.watch(w)
        y = w * w
    assert "GradientTape.watch: expected a tensor or variable; got 3.0 (float)" in str(err)
    assert "tf.constant(x)" in err.hint
    assert_names_this_line(err, line)
    assert float(tape.gradient(y, w)) == 6.0   # the tape kept recording


def test_a_number_among_the_sources_is_named_and_the_persistent_tape_still_works():
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    err, line = raised(TypeError, lambda: tape.gradient(y, [x, 2.0]))
    assert "GradientTape.gradient: sources must be tensors or variables; got 2.0 (float)" \
        in str(err)
    assert_names_this_line(err, line)
    assert float(tape.gradient(y, x)) == 6.0


# ---- optimizers -------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", ["0.01", None])
def test_a_learning_rate_that_is_not_a_number_is_refused_where_the_optimizer_is_made(rate):
    # Keras 3 refuses both; a string used to train, silently, at float("0.01")
    err, line = raised(TypeError, lambda: tf.keras.optimizers.Adam(learning_rate=rate))
    text = str(err)
    assert text.startswith("Adam: learning_rate must be a number (e.g. 0.01), a "
                           "LearningRateSchedule or a callable; got ")
    assert repr(rate) in text
    assert_names_this_line(err, line)


def test_setting_a_string_learning_rate_keeps_the_old_one():
    opt = tf.keras.optimizers.SGD(0.5)
    w = tf.Variable(1.0)
    err, line = raised(TypeError, lambda: setattr(opt, "learning_rate", "0.1"))
    assert "SGD: learning_rate must be a number" in str(err)
    assert_names_this_line(err, line)
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(0.5)


# ---- dtypes -----------------------------------------------------------------------------------
def test_a_float64_numpy_array_times_float32_weights_is_refused_as_tf_refuses_it():
    features = np.ones((2, 3))          # numpy's default dtype, float64
    w = tf.Variable(tf.ones([3, 4]))
    err, line = raised(TypeError, lambda: tf.matmul(features, w))
    text = str(err)
    assert text.startswith("matmul: a and b must have the same dtype")
    assert "a numpy float64 array of shape (2, 3)" in text
    assert "a float32 tensor of shape (3, 4)" in text
    assert "a.astype(np.float32)" in err.hint
    assert_names_this_line(err, line)
    assert tf.matmul(features.astype(np.float32), w).shape == (2, 4)   # the fix works
    assert tf.matmul(w, np.ones((4, 2))).dtype == tf.float32   # b converts to a's dtype, as in TF


@pytest.mark.parametrize("call", [
    lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 8]), 1, "same"),
    lambda: tf.nn.max_pool2d(tf.ones([1, 4, 4, 1]), 2, 2, "valid"),
], ids=["conv2d", "max_pool2d"])
def test_tf_nn_refuses_keras_lower_case_padding_as_tf_does(call):
    err, _ = raised(ValueError, call)
    assert "padding must be 'SAME' or 'VALID'" in str(err)
    assert "got 'same'" in str(err) or "got 'valid'" in str(err)
    assert err.source.filename == __file__   # the lambda's line: this file, not tapeviz
    conv = tf.keras.layers.Conv2D(2, 3, padding="same")   # Keras layers keep lower case
    assert conv(tf.ones([1, 5, 5, 3])).shape == (1, 5, 5, 2)


def test_a_float_step_on_an_int_variable_says_where_the_int_came_from():
    v = tf.Variable(1)                 # int32: the newcomer meant 1.0
    err, line = raised(TypeError, lambda: v.assign_sub(0.1))
    assert str(err).startswith("assign_sub: delta: cannot convert 0.1 to a tensor of dtype "
                               "int32")
    assert "tf.Variable(1)" in err.hint and "1.0" in err.hint
    assert_names_this_line(err, line)
    assert int(v.assign_sub(1)) == 0   # the variable kept its value and still updates


@pytest.mark.parametrize("kind", [tf.constant, tf.Variable])
def test_item_assignment_says_tensors_are_immutable_and_what_to_write(kind):
    x = kind([1.0, 2.0])

    def set_first():
        x[0] = 5.0
    line = set_first.__code__.co_firstlineno + 1
    err, _ = raised(TypeError, set_first)
    name = type(x).__name__
    assert str(err).startswith(f"item assignment: a {name} does not support item assignment; "
                               f"got x[0] = 5.0 (float)")
    assert "tf.where(mask, new" in err.hint
    assert_names_this_line(err, line)
    assert x.numpy().tolist() == [1.0, 2.0]


# ---- optimizers and Keras training --------------------------------------------------------------
def test_grads_and_variables_zipped_the_wrong_way_round_are_named_swapped():
    w = tf.Variable(1.0)
    opt = tf.keras.optimizers.SGD(0.1)
    err, line = raised(TypeError, lambda: opt.apply_gradients(zip([w], [tf.constant(1.0)])))
    assert str(err).startswith("SGD.apply_gradients: the second item of each pair must be a "
                               "Variable; got a float32 tensor of shape ()")
    assert "swapped" in err.hint and "zip(grads, variables)" in err.hint
    assert_names_this_line(err, line)
    opt.apply_gradients(zip([tf.constant(1.0)], [w]))
    assert float(w) == pytest.approx(0.9) and int(opt.iterations) == 1


def test_minimize_given_a_loss_tensor_without_its_tape_names_the_fix():
    w = tf.Variable(1.0)
    opt = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = w * w
    err, line = raised(ValueError, lambda: opt.minimize(loss, [w]))
    assert str(err).startswith("SGD.minimize: `tape` is required when a `Tensor` loss is "
                               "passed; got a loss tensor and no tape")
    assert "tape=tape" in err.hint
    assert_names_this_line(err, line)
    opt.minimize(loss, [w], tape=tape)
    assert float(w) == pytest.approx(0.8)


def test_fit_before_compile_and_fit_with_fewer_labels_name_the_users_line():
    x, y = np.ones((8, 4), "float32"), np.ones((8, 1), "float32")
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    err, line = raised(RuntimeError, lambda: model.fit(x, y, epochs=1, verbose=0))
    assert str(err).startswith("Sequential.fit: You must compile your model before "
                               "training/testing")
    assert_names_this_line(err, line)
    model.compile(optimizer="sgd", loss="mse")
    err, line = raised(ValueError, lambda: model.fit(x, y[:7], epochs=1, verbose=0))
    assert str(err).startswith("fit: Data cardinality is ambiguous: x has 8 samples but y "
                               "has 7")
    assert_names_this_line(err, line)
    history = model.fit(x, y, epochs=1, verbose=0)   # the model trains after both
    assert len(history.history["loss"]) == 1


# ---- data -------------------------------------------------------------------------------------
def test_indexing_a_batched_dataset_says_it_is_a_stream_and_how_to_take_one():
    ds = tf.data.Dataset.from_tensor_slices(tf.range(10)).batch(2)
    err, line = raised(TypeError, lambda: ds[0])
    assert str(err).startswith("Dataset: a Dataset is not subscriptable: it is a stream, read "
                               "in order; got ds[0]")
    assert "ds.skip(i).take(1)" in err.hint
    assert_names_this_line(err, line)
    assert next(iter(ds.skip(1).take(1))).numpy().tolist() == [2, 3]
    assert [b.numpy().tolist() for b in ds][:1] == [[0, 1]]   # iteration is unaffected


@pytest.mark.parametrize("size, error", [(0, ValueError), (2.5, TypeError)])
def test_a_batch_size_that_is_not_a_positive_int_names_the_argument(size, error):
    ds = tf.data.Dataset.range(4)
    err, line = raised(error, lambda: ds.batch(size))
    assert str(err).startswith(f"batch: batch_size must be an int >= 1; got {size!r} ")
    assert_names_this_line(err, line)


def test_an_empty_list_of_pairs_says_the_model_is_not_built_yet():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    opt = tf.keras.optimizers.SGD(0.1)
    grads = []   # tape.gradient(loss, model.trainable_variables) before the model was called
    variables = model.trainable_variables
    err, line = raised(ValueError, lambda: opt.apply_gradients(zip(grads, variables)))
    assert str(err).startswith("SGD.apply_gradients: expected (gradient, variable) pairs; got "
                               "none (an empty list)")
    assert "until the model is built" in err.hint
    assert_names_this_line(err, line)
    x = tf.ones([2, 3])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    variables = model.trainable_variables
    opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    assert int(opt.iterations) == 1


def test_a_frozen_model_fits_with_keras_warning_instead_of_an_optimizer_error():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model(tf.ones([1, 4]))
    model.trainable = False
    kernel = model.layers[0].kernel.numpy().copy()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        history = model.fit(np.ones((4, 4), "float32"), np.ones((4, 1), "float32"), verbose=0)
    assert len(history.history["loss"]) == 1
    assert np.array_equal(model.layers[0].kernel.numpy(), kernel)


def test_a_single_sample_without_its_batch_axis_is_named_not_called_a_feature_mismatch():
    model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(1)])
    sample = np.ones(4, "float32")
    err, line = raised(ValueError, lambda: model.predict(sample, verbose=0))
    text = str(err)
    assert "expected an input of rank >= 2 (batch, ..., features); got shape (4,)" in text
    assert "was fed 4" not in text   # the old hint contradicted itself: built for 4, fed 4
    assert "x[None]" in err.hint
    assert_names_this_line(err, line)
    assert model.predict(sample[None], verbose=0).shape == (1, 1)


def test_dense_units_that_are_not_a_positive_int_are_refused_as_keras_refuses_them():
    err, line = raised(ValueError, lambda: tf.keras.layers.Dense(3.5))
    assert str(err).startswith("Dense: units must be an int >= 1; got 3.5 (float)")
    assert_names_this_line(err, line)
    assert tf.keras.layers.Dense(np.int64(3)).units == 3


@pytest.mark.parametrize("call, meant", [
    (lambda: tf.keras.Sequential([tf.keras.layers.Dense(1)]).compile("sdg", "mse"), "'sgd'"),
    (lambda: tf.keras.layers.Dense(3, activation="rleu"), "'relu'"),
    (lambda: tf.keras.losses.get("mean_square_error"), "'mean_squared_error'"),
    (lambda: tf.keras.metrics.get("accuracyy"), "'accuracy'"),
    (lambda: tf.keras.initializers.get("glorot_unifrom"), "'glorot_uniform'"),
], ids=["optimizer", "activation", "loss", "metric", "initializer"])
def test_a_misspelt_keras_name_says_which_was_meant(call, meant):
    err, _ = raised(ValueError, call)
    assert "Unknown" in str(err) and "known names are [" in str(err)
    assert err.hint == f"did you mean {meant}?"
    assert err.source.filename == __file__


def test_loss_arguments_in_the_wrong_order_are_named_swapped():
    logits, labels = tf.random.normal([4, 10]), tf.constant([1, 2, 3, 4])
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    err, line = raised(ValueError, lambda: loss(logits, labels))
    assert str(err).startswith("sparse_categorical_crossentropy: y_true must hold one class "
                               "index per example")
    assert "got y_true (4, 10) and y_pred (4,)" in str(err)
    assert "swapped" in err.hint and "(y_true, y_pred)" in err.hint
    assert_names_this_line(err, line)
    assert loss(labels, logits).shape == ()


def test_assign_sub_on_a_weight_rebound_to_a_tensor_says_how_it_stopped_being_a_variable():
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = w * w
    g = tape.gradient(loss, w)
    w = w - 0.1 * g                    # the newcomer's update: w is a Tensor from here on
    err, line = raised(AttributeError, lambda: w.assign_sub(0.1 * g))
    assert str(err).startswith("Tensor.assign_sub: 'Tensor' object has no attribute "
                               "'assign_sub': only a tf.Variable can be assigned; got a "
                               "float32 tensor of shape ()")
    assert "`w = w - lr * g`" in err.hint
    assert_names_this_line(err, line)
    assert not hasattr(w, "assign") and hasattr(tf.Variable(1.0), "assign")


def test_features_and_labels_given_as_two_arguments_are_refused_not_half_dropped():
    x, y = np.ones((4, 2), "float32"), np.zeros(4, "int32")
    err, line = raised(TypeError, lambda: tf.data.Dataset.from_tensor_slices(x, y))
    assert str(err).startswith("from_tensor_slices: name must be a string; got an int32 array "
                               "of shape (4,)")   # y landed in `name`: the labels were lost
    assert "from_tensor_slices((x, y))" in err.hint
    assert_names_this_line(err, line)
    features, labels = next(iter(tf.data.Dataset.from_tensor_slices((x, y))))
    assert features.shape == (2,) and labels.shape == ()


def test_fit_on_a_dataset_with_y_too_says_where_the_labels_belong():
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    features = tf.data.Dataset.from_tensor_slices(x).batch(2)
    err, line = raised(ValueError, lambda: model.fit(features, y, verbose=0))
    assert str(err).startswith("fit: `y` argument is not supported when using a dataset as "
                               "input")
    assert "got y, a float32 array of shape (4, 1)" in str(err)
    assert "from_tensor_slices((x, y))" in err.hint
    assert_names_this_line(err, line)
    pairs = tf.data.Dataset.from_tensor_slices((x, y)).batch(2)
    assert len(model.fit(pairs, verbose=0).history["loss"]) == 1


def test_an_unbatched_dataset_given_to_fit_shows_its_element_shape_and_says_batch_it():
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    pairs = tf.data.Dataset.from_tensor_slices((x, y))
    err, line = raised(ValueError, lambda: model.fit(pairs, verbose=0))
    assert "got shape (2,)" in str(err)   # was (None,): the one axis taken for the batch's
    assert "ds.batch(32)" in err.hint
    assert_names_this_line(err, line)
    assert len(model.fit(pairs.batch(2), verbose=0).history["loss"]) == 1


def test_compile_refuses_one_metric_name_as_a_string_as_keras_3_does():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    err, line = raised(TypeError, lambda: model.compile(optimizer="sgd", loss="mse",
                                                        metrics="mae"))
    assert str(err).startswith("compile: metrics must be a list, tuple or dict of metrics "
                               "(e.g. metrics=['mae']); got 'mae' (str)")
    assert_names_this_line(err, line)   # (it used to look up 'm', 'a' and 'e')
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), verbose=0)
    assert "mae" in history.history


def test_epochs_as_a_string_names_fit_and_the_argument():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    err, line = raised(TypeError, lambda: model.fit(x, y, epochs="3", verbose=0))
    assert str(err).startswith("fit: epochs must be an int >= 0; got '3' (str)")
    assert_names_this_line(err, line)
    assert len(model.fit(x, y, epochs=2, verbose=0).history["loss"]) == 2


def test_a_refused_update_changes_no_variable_and_the_next_step_counts_once():
    w, b = tf.Variable([1.0, 2.0], name="w"), tf.Variable(2.0, name="b")
    opt = tf.keras.optimizers.Adam(0.1)
    good, bad = tf.constant([1.0, 1.0]), tf.constant([1.0, 1.0])   # b's gradient: wrong shape
    err, line = raised(ValueError, lambda: opt.apply_gradients([(good, w), (bad, b)]))
    # named as given ('b'), not TF's "b:0" (or "b_1:0" while an earlier test's "b" lives)
    assert "variable 'b' must have its shape ()" in str(err)
    assert_names_this_line(err, line)
    assert w.numpy().tolist() == [1.0, 2.0] and float(b) == 2.0   # nothing half-applied
    assert int(opt.iterations) == 0
    opt.apply_gradients([(good, w), (tf.constant(1.0), b)])
    assert int(opt.iterations) == 1
    # TF 2.21 gives 0.900001 too: Adam's bias correction in float32 (1 - 0.999f)
    assert w.numpy() == pytest.approx([0.9, 1.9], rel=1e-5) and float(b) == pytest.approx(1.9)


def test_accuracy_from_argmax_against_int32_labels_is_refused_not_silently_zero():
    logits = tf.constant([[0.1, 0.9], [0.8, 0.2]])
    labels = tf.constant([1, 0])              # int32; argmax gives int64
    err, line = raised(TypeError, lambda: tf.argmax(logits, axis=1) == labels)
    assert str(err).startswith("equal: inputs must have the same dtype; got input 0 is int64, "
                               "input 1 is int32")   # it was False: an accuracy of 0, silently
    assert "cast" in err.hint
    assert_names_this_line(err, line)
    err, _ = raised(TypeError, lambda: tf.argmax(logits, axis=1) != labels)
    assert str(err).startswith("not_equal: inputs must have the same dtype")
    hits = tf.argmax(logits, axis=1) == tf.cast(labels, tf.int64)
    assert float(tf.reduce_mean(tf.cast(hits, tf.float32))) == 1.0
    assert (labels == "a") is False   # a value that is no tensor still compares unequal


def test_a_loss_object_given_int_predictions_computes_in_float32_as_keras_does():
    # y_true 0.5 was cast to the predictions' int32: 0, so the loss read 1 instead of 0.25
    mse = tf.keras.losses.MeanSquaredError()(tf.constant([0.5]), tf.constant([1]))
    mae = tf.keras.losses.MeanAbsoluteError()(tf.constant([0.5]), tf.constant([1]))
    assert mse.dtype == tf.float32 and float(mse) == 0.25
    assert float(mae) == 0.5


def test_a_layer_class_or_a_bare_layer_given_to_sequential_says_what_to_write():
    err, line = raised(TypeError, lambda: tf.keras.Sequential([tf.keras.layers.Dense]))
    assert str(err).startswith("Sequential.add: The added layer must be an instance of class "
                               "Layer; got <class ")
    assert err.hint == "that is the class: make a layer of it, Dense(...)"
    assert_names_this_line(err, line)
    err, line = raised(TypeError, lambda: tf.keras.Sequential(tf.keras.layers.Dense(1)))
    assert str(err).startswith("Sequential: layers must be a list of layers; got <Dense")
    assert err.hint == "put it in a list: Sequential([Dense(...)])"
    assert_names_this_line(err, line)
    assert tf.keras.Sequential([tf.keras.layers.Dense(1)])(tf.ones([2, 3])).shape == (2, 1)


def test_batching_elements_of_different_shapes_is_named_where_the_batches_are_read():
    ds = tf.data.Dataset.from_generator(lambda: iter([[1.0, 2.0], [3.0]]),
                                        output_signature=tf.data.TensorSpec([None], tf.float32))
    batches = ds.batch(2)
    err, line = raised(ValueError, lambda: list(batches))
    assert str(err).startswith("batch: cannot batch tensors with different shapes in "
                               "component 0: the first element had shape (2,) and element 1 "
                               "had shape (1,)")
    assert_names_this_line(err, line)
    assert [b.shape for b in ds.batch(1)] == [(1, 2), (1, 1)]   # the data itself still reads


@pytest.mark.parametrize("loss, activation", [
    (tf.keras.losses.SparseCategoricalCrossentropy(), "softmax"),
    (tf.keras.losses.CategoricalCrossentropy(), "softmax"),
    (tf.keras.losses.BinaryCrossentropy(), "sigmoid"),
], ids=["sparse", "categorical", "binary"])
def test_logits_given_to_a_loss_expecting_probabilities_are_named_at_the_users_line(
        loss, activation):
    # Dense(k) with no activation, and the loss left at from_logits=False: TF says nothing
    logits = tf.constant([[2.0, -1.0, 0.5], [-0.3, 1.2, 3.0]])
    labels = {"sparse": tf.constant([0, 2]), "categorical": tf.one_hot([0, 2], 3),
              "binary": tf.constant([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])}[loss.name.split("_")[0]]
    line = sys._getframe().f_lineno + 2
    with pytest.warns(tf.keras.losses.LogitsAsProbabilitiesWarning) as caught:
        loss(labels, logits)
    text = str(caught[0].message)
    assert text.startswith(f"{loss.name}: y_pred has values below 0: these are logits")
    assert "from_logits=True" in text and f"activation='{activation}'" in text
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)
    fixed = type(loss)(from_logits=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(float(fixed(labels, logits)))
        squash = tf.nn.softmax if activation == "softmax" else tf.sigmoid
        loss(labels, squash(logits))   # probabilities: no warning


# ---- round two: what TF 2.21 / Keras 3 refuse or accept, matched -----------------------------
@pytest.mark.parametrize("x, what", [
    (np.array([1.0, 2.0]), "x, a numpy float64 array of shape (2,)"),
    (np.float64(1.5), "x, a numpy float64 scalar"),
    (1, "x, 1, which converts to int32"),
], ids=["array", "numpy_scalar", "python_int"])
def test_tf_add_converts_x_on_its_own_as_tf_does_while_the_operator_converts_it(x, what):
    y = tf.constant([1.0, 2.0])
    err, line = raised(TypeError, lambda: tf.add(x, y))
    text = str(err)
    assert text.startswith(f"add: x and y must have the same dtype; got {what}, and y, a "
                           f"float32 tensor of shape (2,)")
    assert "`x + y` converts x to y's dtype" in err.hint
    assert_names_this_line(err, line)
    assert (x + y).dtype == tf.float32   # TF's operator converts x to y's dtype
    assert tf.add(y, x).dtype == tf.float32   # y converts to x's dtype
    assert tf.add(1.5, y).dtype == tf.float32   # a Python float is float32 on its own


def test_math_truediv_refuses_a_float64_x_where_tf_divide_and_the_operator_convert_it():
    features, w = np.array([2.0, 4.0]), tf.constant([2.0, 2.0])
    err, line = raised(TypeError, lambda: tf.math.truediv(features, w))
    assert str(err).startswith("truediv: x and y must have the same dtype; got x, a numpy "
                               "float64 array of shape (2,)")
    assert "x.astype(np.float32)" in err.hint
    assert_names_this_line(err, line)
    assert tf.divide(features, w).numpy().tolist() == [1.0, 2.0]
    assert (features / w).dtype == tf.float32


def test_a_numpy_array_matmul_weights_converts_as_tfs_operator_while_tf_matmul_refuses():
    features, w = np.ones((2, 3)), tf.Variable(tf.ones([3, 4]))
    with tf.GradientTape() as tape:
        y = features @ w
    assert y.dtype == tf.float32 and y.shape == (2, 4)
    assert tape.gradient(y, w).numpy().tolist() == [[2.0] * 4] * 3
    err, line = raised(TypeError, lambda: tf.matmul([[1, 2, 3]], w))
    assert "got a, [[1, 2, 3]], which converts to int32, and b, a float32 tensor" in str(err)
    assert_names_this_line(err, line)


def test_a_float64_gradient_is_cast_to_its_float32_variable_as_keras_3_does():
    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant([1.0, -1.0], tf.float64), w)])
    assert w.dtype == tf.float32 and all(s.dtype == tf.float32 for s in opt.variables[1:])
    np.testing.assert_allclose(w.numpy(), [0.9, 2.1], rtol=1e-5)


def test_an_optimizer_reused_on_new_variables_names_them_and_changes_nothing():
    a, b = tf.Variable([1.0], name="a"), tf.Variable([2.0], name="b")
    opt = tf.keras.optimizers.SGD(0.5)
    opt.apply_gradients([(tf.constant([1.0]), a)])
    err, line = raised(ValueError, lambda: opt.apply_gradients([(tf.constant([1.0]), a),
                                                                (tf.constant([1.0]), b)]))
    # said by the names given, as the graph draws them (not 'b:0', nor 'b_1:0' beside a live 'b')
    assert str(err).startswith("SGD.apply_gradients: unknown variable 'b': this optimizer can "
                               "only update the variables it was first used with ('a')")
    assert "make a new optimizer" in err.hint
    assert_names_this_line(err, line)
    assert a.numpy().tolist() == [0.5] and int(opt.iterations) == 1   # nothing changed
    opt.apply_gradients([(tf.constant([1.0]), a)])   # its own variables still train
    assert a.numpy().tolist() == [0.0] and int(opt.iterations) == 2
    tf1 = tf.train.GradientDescentOptimizer(0.5)   # TF1's optimizers take any variable
    tf1.apply_gradients([(tf.constant([1.0]), a)])
    tf1.apply_gradients([(tf.constant([1.0]), b)])
    assert b.numpy().tolist() == [1.5]


@pytest.mark.parametrize("inputs", [[[1.0, 2.0]], 1.0, None], ids=["list", "float", "none"])
def test_a_keras_layer_called_on_python_values_is_refused_as_keras_3_does(inputs):
    layer = tf.keras.layers.Dense(2)
    err, line = raised(ValueError, lambda: layer(inputs))
    shown = {"list": "a Python list holding 1.0 (float): [[1.0, 2.0]] (list)",
             "float": "1.0 (float)", "none": "None (NoneType)"}[
        "list" if isinstance(inputs, list) else "none" if inputs is None else "float"]
    assert str(err).startswith(f'layer "{layer.name}" (Dense): inputs must be tensors or numpy '
                               f"arrays; got {shown}")
    assert_names_this_line(err, line)
    assert not layer.built   # nothing half-made: the right call builds it
    assert layer(np.array([[1.0, 2.0]], np.float32)).shape == (1, 2)


def test_a_variables_slice_assigns_into_it_as_one_update_the_debugger_shows_at_this_line():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], name="table")
    heard = []
    tf.subscribe(heard.append, kinds=(tf.OpExecuted,))
    try:
        line = sys._getframe().f_lineno + 1
        assert v[1, ::2].assign([0.0, 0.0]) is v
    finally:
        tf.unsubscribe(heard.append)
    assert v.numpy().tolist() == [[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]]
    update = [e.node for e in heard if e.node.op.name == "strided_slice_assign"]
    assert len(update) == 1 and update[0].op.kind == "update"
    assert update[0].inputs[0].variable is v   # the debugger reads it as table's update
    assert (update[0].source.filename, update[0].source.lineno) == (__file__, line)
    err, line = raised(ValueError, lambda: v[0].assign([1.0, 2.0]))
    assert str(err).startswith("strided_slice_assign: the value must broadcast to the slice's "
                               "shape (3,); got shape (2,)")
    assert_names_this_line(err, line)
    err, line = raised(AttributeError, lambda: v[0].assign_add([1.0, 1.0, 1.0]))
    assert "a slice of a Variable has no assign_add (as in TF): only assign" in str(err)
    assert_names_this_line(err, line)
    assert v.numpy().tolist() == [[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]]   # refused: unchanged


def test_tf_range_counting_the_wrong_way_is_refused_as_tf_refuses_it_not_left_empty():
    err, line = raised(ValueError, lambda: tf.range(5, 0))
    assert str(err).startswith("range: start must be <= limit when delta > 0; got start 5, "
                               "limit 0, delta 1")
    assert err.hint == "count down with a negative delta: tf.range(5, 0, -1)"
    assert_names_this_line(err, line)
    assert tf.range(5, 0, -2).numpy().tolist() == [5, 3, 1] and tf.range(3, 3).shape == (0,)


def test_dtype_names_are_tfs_float_is_float32_and_numpys_int_is_refused():
    # numpy reads "float" as float64: the cast silently doubled the tensor's bytes
    assert tf.cast([1, 2], "float").dtype == tf.float32
    assert tf.cast([1, 2], "double").dtype == tf.float64
    err, line = raised(TypeError, lambda: tf.cast([1.5], "int"))
    assert "cast: dtype must be a dtype" in str(err) and "got 'int' (str)" in str(err)
    assert_names_this_line(err, line)


@pytest.mark.parametrize("call", ["fit_x", "fit_y", "evaluate", "predict", "train_on_batch"])
def test_keras_data_given_as_python_lists_of_numbers_are_refused_as_keras_3_does(call):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    x, y = np.ones((2, 2), np.float32), np.ones((2, 1), np.float32)
    listed = [[1.0, 2.0], [3.0, 4.0]]
    run = {"fit_x": lambda: model.fit(listed, y, verbose=0),
           "fit_y": lambda: model.fit(x, [0.0, 1.0], verbose=0),
           "evaluate": lambda: model.evaluate(listed, y, verbose=0),
           "predict": lambda: model.predict(listed, verbose=0),
           "train_on_batch": lambda: model.train_on_batch(listed, y)}[call]
    err, _ = raised(ValueError, run)
    name = "y" if call == "fit_y" else "x"
    # each says what it takes: fit, evaluate and predict iterate a Dataset or a generator
    # (TF's fit does), train_on_batch takes one batch (TF's refuses a Dataset); labels, one
    # array per output
    takes = {"fit_y": "a numpy array, a tensor or a list of them (one per output)",
             "train_on_batch": "one batch: a numpy array, a tensor or a list of them (one per "
                               "input)"}.get(call, "a numpy array, a tensor, a list of them (one "
                                                   "per input), a Dataset or a Python generator "
                                                   "of batches")
    assert str(err).startswith(f"{call.split('_x')[0].split('_y')[0]}: {name} must be {takes}; "
                               "got a Python list of numbers")
    assert f"np.array({name}, dtype='float32')" in err.hint
    assert (err.source.filename, err.source.lineno) == (__file__, run.__code__.co_firstlineno)
    assert model.predict([x], verbose=0).shape == (2, 1)   # a list of arrays: one per input


@pytest.mark.parametrize("function", [tf.add, tf.math.truediv, tf.matmul],
                         ids=["add", "truediv", "matmul"])
def test_break_on_a_public_function_that_checks_its_x_stops_at_the_op_it_makes(function):
    bp = tf.debugger.break_on(op=function, action="continue")
    try:
        function(tf.constant([[2.0]]), tf.constant([[4.0]]))
    finally:
        bp.clear()
    assert [hit.node.op.name for hit in bp.hits] == [function.__name__]


# ---- round three: Keras training loops, as lecture notes write them ---------------------------
def _classifier(*layers):
    model = tf.keras.Sequential(list(layers) + [tf.keras.layers.Dense(3)])
    model.compile(optimizer="sgd",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_dense_given_images_without_flatten_says_put_a_flatten_before_it():
    images, labels = np.ones((4, 5, 5, 1), "float32"), np.array([0, 1, 2, 0])
    model = _classifier()
    err, line = raised(ValueError, lambda: model.fit(images, labels, verbose=0))
    assert str(err).startswith("sparse_categorical_crossentropy: ")   # the op that refused
    assert "y_pred (4, 5, 5, 3)" in str(err)                            # what came
    assert 'layer "' in err.hint and "(Dense) was given inputs of shape (None, 5, 5, 1)" \
        in err.hint
    assert "put a Flatten() layer before it" in err.hint
    assert_names_this_line(err, line)
    fixed = _classifier(tf.keras.layers.Flatten())
    assert len(fixed.fit(images, labels, verbose=0).history["loss"]) == 1
    assert model.evaluate(images[:, 0, 0], labels, verbose=0) > 0   # the first model still runs


def test_a_dataset_batched_twice_is_named_before_flatten_folds_the_extra_axis_away():
    x, y = np.ones((8, 2, 2), "float32"), np.array([0, 1, 2, 0, 1, 2, 0, 1])
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2, 2)))
    twice = tf.data.Dataset.from_tensor_slices((x, y)).batch(2).batch(2)
    weights = [w.numpy() for w in model.trainable_variables]
    err, line = raised(ValueError, lambda: model.fit(twice, verbose=0))
    assert str(err).startswith("fit: the dataset yields x of shape (2, 2, 2, 2), one axis more "
                               "than the model's input (None, 2, 2)")
    assert "batched twice" in err.hint
    assert_names_this_line(err, line)
    err, line = raised(ValueError, lambda: model.evaluate(twice, verbose=0))
    assert str(err).startswith("evaluate: the dataset yields x of shape (2, 2, 2, 2)")
    assert_names_this_line(err, line)
    assert all(np.array_equal(w, v.numpy()) for w, v in zip(weights, model.trainable_variables))
    once = tf.data.Dataset.from_tensor_slices((x, y)).batch(2)
    assert len(model.fit(once, verbose=0).history["loss"]) == 1


def test_images_with_a_channel_axis_the_input_shape_leaves_out_fit_as_in_keras_3():
    x, y = np.ones((8, 2, 2, 1), "float32"), np.array([0, 1, 2, 0, 1, 2, 0, 1])
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2, 2)))
    once = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)   # one axis more, at the end
    assert len(model.fit(once, verbose=0).history["loss"]) == 1
    assert np.isfinite(model.evaluate(once, verbose=0))


def test_validation_data_without_labels_is_refused_before_the_first_epoch():
    x, y = np.ones((4, 2), "float32"), np.array([0, 1, 2, 0])
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2,)))
    err, line = raised(ValueError, lambda: model.fit(x, y, verbose=0, validation_data=(x,)))
    assert str(err).startswith("fit: validation_data must be a Dataset, or a tuple (x_val, "
                               "y_val) or (x_val, y_val, val_sample_weight); got a tuple of 1: "
                               "a float32 array of shape (4, 2)")
    assert "validation_data=(x_val, y_val)" in err.hint
    assert_names_this_line(err, line)
    assert int(model.optimizer.iterations.numpy()) == 0   # refused before an epoch ran
    history = model.fit(x, y, verbose=0, validation_data=(x, y))
    assert "val_loss" in history.history


def test_an_optimizer_class_given_to_compile_instead_of_an_instance_says_make_one():
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax")])
    err, line = raised(TypeError, lambda: model.compile(
        optimizer=tf.keras.optimizers.Adam, loss="sparse_categorical_crossentropy"))
    assert str(err).startswith("compile: optimizer must be ")
    assert "got <class 'tapeviz.keras.optimizers" in str(err)
    assert err.hint == "that is the class: make one of it, Adam()"
    assert_names_this_line(err, line)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(np.ones((4, 2), "float32"), np.array([0, 1, 2, 0]), verbose=0)
    assert len(history.history["loss"]) == 1


def test_a_loss_or_metric_class_given_to_compile_is_made_with_its_defaults_as_in_keras_3():
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy,
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy])
    history = model.fit(np.ones((4, 2), "float32"), np.array([0, 1, 2, 0]), verbose=0)
    assert sorted(history.history) == ["loss", "sparse_categorical_accuracy"]


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_a_batch_size_given_as_a_string_names_the_call_not_int_conversion(call):
    x, y = np.ones((4, 2), "float32"), np.array([0, 1, 2, 0])
    model = _classifier()
    method = getattr(model, call)
    args = (x,) if call == "predict" else (x, y)
    err, line = raised(TypeError, lambda: method(*args, batch_size="2", verbose=0))
    assert str(err).startswith(f"{call}: batch_size must be an int >= 1; got '2' (str)")
    assert_names_this_line(err, line)
    assert np.shape(model.predict(x, batch_size=2, verbose=0)) == (4, 3)


@pytest.mark.parametrize("labels, hint", [
    ([1, 2, 3], "the labels look 1-based (1 to 3): subtract 1, y - 1"),
    ([0, 4, 2], "the model gives 3 classes: labels up to 4 need a last layer of 5 units, "
                "Dense(5)")])
def test_class_indices_out_of_range_say_1_based_labels_or_too_few_units(labels, hint):
    model = _classifier()
    x, y = np.ones((3, 2), "float32"), np.array(labels)
    err, line = raised(ValueError, lambda: model.fit(x, y, verbose=0))
    assert str(err).startswith("sparse_categorical_crossentropy: y_true must hold integer "
                               "class indices in [0, 3) for y_pred's 3 classes; got values from")
    assert err.hint == hint
    assert_names_this_line(err, line)
    assert len(model.fit(x, np.array([0, 1, 2]), verbose=0).history["loss"]) == 1


def test_binary_labels_for_a_one_unit_layer_say_two_units_not_1_based_labels():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = np.ones((3, 2), "float32"), np.array([1, 1, 1])   # a batch of one class
    err, line = raised(ValueError, lambda: model.fit(x, y, verbose=0))
    assert err.hint == "the model gives 1 classes: labels up to 1 need a last layer of 2 " \
                       "units, Dense(2)"
    assert_names_this_line(err, line)


@pytest.mark.parametrize("loss", [tf.keras.losses.categorical_crossentropy,
                                  tf.keras.losses.CategoricalCrossentropy()])
def test_categorical_crossentropy_given_predictions_then_labels_warns_swapped_at_this_line(loss):
    probabilities = tf.constant([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])
    labels = tf.one_hot([1, 0], 3)
    with pytest.warns(UserWarning, match="the arguments look swapped") as caught:
        line = sys._getframe().f_lineno + 1
        swapped = loss(probabilities, labels)
    assert caught[0].filename == __file__ and caught[0].lineno == line
    assert "categorical_crossentropy: " in str(caught[0].message)
    clipped = np.clip(np.eye(3)[[1, 0]], 1e-7, 1 - 1e-7)   # what TF computes, silently
    expected = -np.sum(probabilities.numpy() * np.log(clipped), axis=-1)
    assert np.allclose(np.asarray(swapped).reshape(-1).mean(), expected.mean(), rtol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the right order, and a saturated prediction, pass
        right = loss(labels, probabilities)
        saturated = loss(labels, tf.one_hot([1, 0], 3))
    assert np.allclose(np.mean(right), np.mean(-np.log([0.5, 0.6])), rtol=1e-5)
    assert float(np.mean(saturated)) < 1e-5


@pytest.mark.parametrize("soft_labels", [[[0.9, 0.05, 0.05]],    # label smoothing in the data
                                         [[0.7, 0.3, 0.0]]],     # mixup of two examples
                         ids=["smoothed", "mixed_up"])
def test_soft_labels_beside_a_prediction_saturated_to_one_hot_are_not_called_swapped(soft_labels):
    saturated = tf.nn.softmax(tf.constant([[300.0, 0.0, 0.0]]))   # unscaled inputs do this
    assert saturated.numpy().tolist() == [[1.0, 0.0, 0.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = tf.keras.losses.categorical_crossentropy(tf.constant(soft_labels), saturated)
    assert float(loss[0]) > 1.0   # the soft labels' other classes, clipped at 1e-7


def test_a_loss_computed_after_the_tape_block_is_named_once_for_all_the_variables():
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2,)))
    x, y = np.ones((3, 2), "float32"), np.array([0, 1, 2])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        logits = model(x)
    made_at = sys._getframe().f_lineno + 1
    loss = loss_fn(y, logits)   # outside the with block
    grads = tape.gradient(loss, model.trainable_variables)
    err, line = raised(ValueError, lambda: optimizer.apply_gradients(
        zip(grads, model.trainable_variables)))
    message = str(err)
    names = ", ".join(repr(v.name.removesuffix(":0")) for v in model.trainable_variables)
    assert all("/" in v.name for v in model.trainable_variables)   # Keras names, as drawn
    assert f"no gradients provided for any variable (all are None): {names}: the target (made " \
           f"at " in message
    assert f"test_newcomer_mistakes.py:{made_at}: loss = loss_fn(y, logits)   # outside the " \
           f"with block) was not recorded on this tape: it was computed outside the `with " \
           f"tape:` block" in message   # the loss's own line
    assert message.count("was not recorded") == 1
    assert f"test_newcomer_mistakes.py:{line}" in message
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert int(optimizer.iterations.numpy()) == 1


@pytest.mark.parametrize("make, argument", [(tf.keras.layers.Dense, "input_shape"),
                                            (tf.keras.Input, "shape")])
def test_an_input_shape_given_as_a_bare_int_says_write_a_tuple_of_one(make, argument):
    arguments = {"units": 3} if make is tf.keras.layers.Dense else {}
    err, line = raised(ValueError, lambda: make(**arguments, **{argument: 2}))
    assert str(err).startswith(f"{make.__name__}: {argument} must be a tuple of dimensions "
                               f"(ints >= 0, or None for any size), e.g. (28, 28, 1); got 2 "
                               f"(int)")
    assert err.hint == f"one dimension is a tuple of one: {argument}=(2,)"
    assert_names_this_line(err, line)
    model = tf.keras.Sequential([tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(3)])
    assert model.predict(np.ones((4, 2), "float32"), verbose=0).shape == (4, 3)


def test_validation_split_beyond_one_and_validation_labels_of_another_length_are_refused_first():
    x, y = np.ones((4, 2), "float32"), np.array([0, 1, 2, 0])
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2,)))
    err, line = raised(ValueError, lambda: model.fit(x, y, validation_split=1.5, verbose=0))
    assert str(err).startswith("fit: validation_split must be a fraction in [0, 1) of the "
                               "samples to hold out; got 1.5 (float)")
    assert_names_this_line(err, line)   # (it trained on no samples, silently)
    err, line = raised(ValueError, lambda: model.fit(x, y, validation_data=(x, y[:3]),
                                                     verbose=0))
    assert str(err).startswith("fit: validation_data: x_val has 4 samples but y_val has 3")
    assert_names_this_line(err, line)   # (it said so as evaluate's, after an epoch)
    assert int(model.optimizer.iterations.numpy()) == 0
    history = model.fit(x, y, validation_split=0.5, verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"]


def test_validation_data_without_labels_for_a_model_of_its_own_losses_validates_as_in_keras():
    class OwnLoss(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(2)

        def call(self, x):
            out = self.dense(x)
            self.add_loss(tf.reduce_mean(out ** 2))
            return out

    x = np.ones((4, 3), "float32")
    model = OwnLoss()
    model.compile(optimizer="sgd")
    history = model.fit(x, verbose=0, validation_data=(x, None))
    assert sorted(history.history) == ["loss", "val_loss"]
    assert history.history["val_loss"][0] > 0


def test_a_weight_rebound_by_w_minus_lr_g_gets_a_warned_none_gradient_naming_assign_sub():
    w = tf.Variable([0.0, 0.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((w - 1.0) ** 2)
    w = w - 0.1 * tape.gradient(loss, w)   # the mistake: w is a Tensor from here on
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((w - 1.0) ** 2)
    with pytest.warns(UserWarning, match="a source is a plain Tensor") as caught:
        line = sys._getframe().f_lineno + 1
        grad = tape.gradient(loss, w)
    assert grad is None   # as TF returns it
    assert caught[0].filename == __file__ and caught[0].lineno == line
    assert "w.assign_sub(lr * g)" in str(caught[0].message)
    assert "tape.watch(x)" in str(caught[0].message)
    v = tf.Variable(w)   # the fix; a watched tensor and an integer source do not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(w)
            loss = tf.reduce_sum((v - 1.0) ** 2) + tf.reduce_sum(w)
        v.assign_sub(0.1 * tape.gradient(loss, v))
        assert tape.gradient(loss, w).numpy().tolist() == [1.0, 1.0]
    assert np.allclose(v.numpy(), [0.36, 0.36])


def test_the_unwatched_source_warning_raised_as_an_error_leaves_the_tape_used_up():
    w = tf.Variable([0.0, 0.0]) * 1.0   # a plain Tensor
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((w - 1.0) ** 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # as under -W error
        with pytest.raises(UserWarning, match="a source is a plain Tensor"):
            tape.gradient(loss, w)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(loss, w)   # consumed, as the call that returned None would leave it


@pytest.mark.parametrize("call", ["fit", "evaluate"])
def test_a_dataset_without_labels_given_to_a_compiled_loss_says_the_labels_are_missing(call):
    x, y = np.ones((4, 2), "float32"), np.array([0, 1, 2, 0])
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2,)))
    method = getattr(model, call)
    features = tf.data.Dataset.from_tensor_slices(x).batch(2)
    err, line = raised(ValueError, lambda: method(features, verbose=0))
    assert str(err).startswith(f"{call}: the compiled loss needs labels, but the data has "
                               f"none: y is None")   # (it was convert_to_tensor's, on None)
    assert "Dataset.from_tensor_slices((x, y))" in err.hint
    assert_names_this_line(err, line)
    assert int(model.optimizer.iterations.numpy()) == 0
    pairs = tf.data.Dataset.from_tensor_slices((x, y)).batch(2)
    assert np.isfinite(method(pairs, verbose=0).history["loss"][0] if call == "fit"
                       else method(pairs, verbose=0))


def test_labels_given_as_strings_name_y_and_how_to_make_class_indices():
    x, names = np.ones((3, 2), "float32"), np.array(["cat", "dog", "cat"])
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2,)))
    err, line = raised(TypeError, lambda: model.fit(x, names, verbose=0))
    assert str(err).startswith("fit: y must hold numbers; got a str96 array of shape (3,), "
                               "starting ['cat', 'dog', 'cat']")
    assert "np.unique(y, return_inverse=True)" in err.hint
    assert_names_this_line(err, line)
    classes, y = np.unique(names, return_inverse=True)
    assert len(model.fit(x, y, verbose=0).history["loss"]) == 1


def test_a_map_function_taking_two_arguments_over_single_tensor_elements_says_so():
    images = tf.data.Dataset.from_tensor_slices(np.ones((4, 3), "float32"))
    scaled = images.map(lambda x, y: (x / 255.0, y))
    err, line = raised(ValueError, lambda: next(iter(scaled)))
    assert str(err).startswith("Dataset: the function <lambda> cannot take an element's 1 "
                               "component(s) (a float32 tensor of shape (3,)) as its "
                               "arguments: missing a required argument: 'y'")
    assert "Dataset.from_tensor_slices((x, y))" in err.hint
    assert_names_this_line(err, line)

    def broken(x):
        return x + "text"   # a TypeError inside the function is its own, not an arity one
    with pytest.raises(TypeError) as inner:
        next(iter(images.map(broken)))
    assert not isinstance(inner.value, ValueError)
    assert next(iter(images.map(lambda x: x / 2.0))).numpy().tolist() == [0.5, 0.5, 0.5]


@pytest.mark.parametrize("method, argument", [("map", "map_func"), ("filter", "predicate")])
def test_a_dataset_function_that_is_not_callable_is_refused_where_it_is_given(method, argument):
    images = tf.data.Dataset.from_tensor_slices(np.ones((4, 3), "float32"))
    err, line = raised(ValueError, lambda: getattr(images, method)(255.0))   # TF: ValueError
    assert str(err).startswith(f"Dataset.{method}: {argument} must be a callable; got 255.0 "
                               f"(float)")
    assert_names_this_line(err, line)


def test_a_float64_variable_from_numpy_random_is_named_with_the_line_that_made_it():
    x = tf.ones((2, 3))
    made = sys._getframe().f_lineno + 1
    w = tf.Variable(np.random.default_rng(0).standard_normal((3, 4)))   # float64, as numpy's
    err, line = raised(TypeError, lambda: tf.matmul(x, w))
    assert str(err).startswith("matmul: inputs must have the same dtype; got input 0 is "
                               "float32, input 1 is float64")
    assert err.hint.startswith(f"Variable {w.name!r} is float64, made at ")
    assert f"test_newcomer_mistakes.py:{made} (numpy values are float64 by default): make it " \
           f"float32 there, tf.Variable(value.astype(np.float32))" in err.hint
    assert_names_this_line(err, line)
    w = tf.Variable(np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32))
    assert tf.matmul(x, w).shape == (2, 4)
    err, _ = raised(TypeError, lambda: tf.matmul(tf.ones((2, 3), tf.int32), tf.ones((3, 4))))
    assert err.hint == ("cast the first operand of matmul to float32: tf.cast(x, tf.float32) "
                        "(casting the floats to an integer dtype would stop their gradient)")
    err, _ = raised(TypeError, lambda: tf.add(tf.ones(2, tf.int32), tf.ones(2, tf.int64)))
    assert err.hint == "cast to one dtype first, e.g. tf.cast(x, tf.int32)"


@pytest.mark.parametrize("loss_class", [tf.keras.losses.SparseCategoricalCrossentropy,
                                        tf.keras.losses.CategoricalCrossentropy,
                                        tf.keras.losses.MeanSquaredError])
def test_a_loss_class_given_the_data_says_make_it_first_then_call_it(loss_class):
    labels, predictions = np.array([1, 2]), tf.constant([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    err, line = raised(ValueError, lambda: loss_class(labels, predictions))
    assert str(err).startswith(f"{loss_class.__name__}: was given data as a setting "
                               f"(an int64 array")
    assert "a loss class is made first, then called with the data" in str(err)
    assert err.hint == f"loss_fn = tf.keras.losses.{loss_class.__name__}(); " \
                       f"loss = loss_fn(y_true, y_pred)"
    assert_names_this_line(err, line)   # (it was 'Invalid Reduction Key: <the whole tensor>')
    loss_fn = loss_class()
    targets = labels if loss_class is tf.keras.losses.SparseCategoricalCrossentropy else \
        tf.one_hot(labels, 3)
    assert np.isfinite(float(loss_fn(targets, predictions)))


def test_a_loss_setting_given_as_a_scalar_tensor_is_a_setting_not_data():
    labels, predictions = tf.constant([[0.0, 1.0]]), tf.constant([[3.0, 1.0]])
    as_tensor = tf.keras.losses.Huber(delta=tf.constant(2.0))(labels, predictions)
    as_number = tf.keras.losses.Huber(delta=2.0)(labels, predictions)
    assert float(as_tensor) == float(as_number) == 2.0   # (3 - 0): 2 (3 - 2/2) / 2 columns


def test_one_callback_given_bare_is_taken_as_keras_3_takes_it():
    x, y = np.ones((4, 2), "float32"), np.array([0, 1, 2, 0])
    model = _classifier(tf.keras.layers.Flatten(input_shape=(2,)))
    seen = []
    history = model.fit(x, y, epochs=2, verbose=0,
                        callbacks=tf.keras.callbacks.LambdaCallback(
                            on_epoch_end=lambda epoch, logs: seen.append(epoch)))
    assert seen == [0, 1] and len(history.history["loss"]) == 2


def test_to_categorical_of_string_labels_names_x_and_how_to_make_class_indices():
    labels = np.array(["cat", "dog", "cat"])
    err, line = raised(ValueError, lambda: tf.keras.utils.to_categorical(labels))
    assert str(err).startswith("to_categorical: x must be class indices (ints >= 0); got a "
                               "str96 array of shape (3,)")
    assert "np.unique(y, return_inverse=True)" in err.hint
    assert_names_this_line(err, line)
    _, indices = np.unique(labels, return_inverse=True)
    assert tf.keras.utils.to_categorical(indices).tolist() == [[1, 0], [0, 1], [1, 0]]
