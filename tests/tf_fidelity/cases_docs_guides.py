"""Cases from the tensorflow/docs guides' own code (site/en/guide/*.ipynb): "Advanced
automatic differentiation", "Introduction to Variables", "Introduction to Tensors" and
"tf.data", each cell as the guide writes it, its random inputs and Dense kernels fixed so
the values compare. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, spread


def _dense(tf, units, fan_in, seed, activation=None):
    return tf.keras.layers.Dense(units, activation=activation, kernel_initializer=(
        tf.constant_initializer(spread((fan_in, units), seed=seed, low=-0.6, high=0.6))))


# ---- Advanced automatic differentiation --------------------------------------------------------
def _stop_recording(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as t:
        x_sq = x * x
        with t.stop_recording():
            y_sq = y * y
        z = x_sq + y_sq
    return t.gradient(z, {'x': x, 'y': y})


def _reset(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    reset = True
    with tf.GradientTape() as t:
        y_sq = y * y
        if reset:
            t.reset()
        z = x * x + y_sq
    return t.gradient(z, {'x': x, 'y': y})


def _stop_gradient(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y_sq = y ** 2
        z = x ** 2 + tf.stop_gradient(y_sq)
    return t.gradient(z, {'x': x, 'y': y})


def _clip_gradients(tf):
    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)
        return y, backward
    return clip_gradients


def _custom_gradient_in_module(tf):
    """The guide's MyModule: a method with input_signature=[tf.TensorSpec(None)] (any shape,
    float32 by TensorSpec's default) around the clipping custom gradient."""
    clip_gradients = _clip_gradients(tf)

    class MyModule(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec(None)])
        def call_custom_grad(self, x):
            return clip_gradients(x)

    model = MyModule()
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = model.call_custom_grad(v * v)
    vector = model.call_custom_grad([1.0, 2.0])
    return [output, t.gradient(output, v), vector, model.call_custom_grad(3)]


def _two_tapes_one_block(tf):
    x0 = tf.constant(0.0)
    x1 = tf.constant(0.0)
    with tf.GradientTape() as tape0, tf.GradientTape() as tape1:
        tape0.watch(x0)
        tape1.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.sigmoid(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    return [tape0.gradient(ys, x0).numpy(), tape1.gradient(ys, x1).numpy()]


def _input_gradient_regularizer(tf):
    x = tf.constant(spread((7, 5), seed=11))
    layer = _dense(tf, 10, 5, seed=12, activation=tf.nn.relu)
    with tf.GradientTape() as t2:
        with tf.GradientTape(watch_accessed_variables=False) as t1:
            t1.watch(x)
            layer(x)
            out = tf.reduce_sum(layer(x) ** 2)
        g1 = t1.gradient(out, x)
        g1_mag = tf.norm(g1)
    dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
    return [[var.shape.as_list() for var in dg1_mag], dg1_mag]


def _jacobian_scalar_source(tf):
    x = tf.linspace(-10.0, 10.0, 200 + 1)
    delta = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        y = tf.nn.sigmoid(x + delta)
    dy_dx = tape.jacobian(y, delta)
    return [y.shape.as_list(), dy_dx.shape.as_list(), dy_dx]


def _jacobian_of_layer(tf):
    x = tf.constant(spread((7, 5), seed=13))
    layer = _dense(tf, 10, 5, seed=14, activation=tf.nn.relu)
    with tf.GradientTape(persistent=True) as tape:
        y = layer(x)
    j = tape.jacobian(y, layer.kernel)
    g = tape.gradient(y, layer.kernel)
    j_sum = tf.reduce_sum(j, axis=[0, 1])
    return [j.shape.as_list(), g.shape.as_list(), tf.reduce_max(abs(g - j_sum)) < 1e-3, j_sum]


def _hessian_newton_step(tf):
    x = tf.constant(spread((7, 5), seed=15))
    layer1 = _dense(tf, 8, 5, seed=16, activation=tf.nn.relu)
    layer2 = _dense(tf, 6, 8, seed=17, activation=tf.nn.relu)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            x = layer1(x)
            x = layer2(x)
            loss = tf.reduce_mean(x ** 2)
        g = t1.gradient(loss, layer1.kernel)
    h = t2.jacobian(g, layer1.kernel)
    n_params = tf.reduce_prod(layer1.kernel.shape)
    g_vec = tf.reshape(g, [n_params, 1])
    h_mat = tf.reshape(h, [n_params, n_params])
    eps = 1e-3
    eye_eps = tf.eye(h_mat.shape[0]) * eps
    update = tf.linalg.solve(h_mat + eye_eps, g_vec)
    layer1.kernel.assign_sub(tf.reshape(update, layer1.kernel.shape))
    return [h.shape.as_list(), n_params, h_mat, layer1.kernel]


def _batch_jacobian(tf, with_batch_norm):
    x = tf.constant(spread((7, 5), seed=18))
    layer1 = _dense(tf, 8, 5, seed=19, activation=tf.nn.elu)
    bn = tf.keras.layers.BatchNormalization()
    layer2 = _dense(tf, 6, 8, seed=20, activation=tf.nn.elu)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        if with_batch_norm:
            y = bn(y, training=True)
        y = layer2(y)
    j = tape.jacobian(y, x)
    j_sum = tf.reduce_sum(j, axis=2)
    j_select = tf.einsum('bxby->bxy', j)
    jb = tape.batch_jacobian(y, x)
    return [j.shape.as_list(), j_sum.shape.as_list(), j_select.shape.as_list(), jb,
            tf.reduce_max(abs(jb - j_sum))]


ADVANCED_AUTODIFF = {
    "GradientTape/docs_stop_recording": _stop_recording,
    "GradientTape/docs_reset": _reset,
    "stop_gradient/docs_guide": _stop_gradient,
    "custom_gradient/docs_clip_in_module_with_signature": _custom_gradient_in_module,
    "GradientTape/docs_two_tapes_one_block": _two_tapes_one_block,
    "GradientTape/docs_input_gradient_regularizer": _input_gradient_regularizer,
    "GradientTape/docs_jacobian_scalar_source": _jacobian_scalar_source,
    "GradientTape/docs_jacobian_of_layer": _jacobian_of_layer,
    "GradientTape/docs_hessian_newton_step": _hessian_newton_step,
    "GradientTape/docs_batch_jacobian": lambda tf: _batch_jacobian(tf, False),
    "GradientTape/docs_batch_jacobian_batch_norm": lambda tf: _batch_jacobian(tf, True),
}
for _name, _fn in ADVANCED_AUTODIFF.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5)


def _unknown_shape_spec(tf):
    spec = tf.TensorSpec(None)
    return [repr(spec), repr(spec.shape), str(spec.shape), spec.shape.rank,
            repr(tf.TensorSpec([2])), spec.is_compatible_with(tf.constant([1.0, 2.0])),
            spec.is_compatible_with(tf.constant([[1.0]])),
            spec.is_compatible_with(tf.constant([1, 2])), spec == tf.TensorSpec(None),
            spec == tf.TensorSpec([2])]


def _signature_refuses_int_tensor(tf):
    double = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec(None)])
    return double(tf.constant([1, 2]))


SPECS = {
    "TensorSpec/docs_unknown_shape": _unknown_shape_spec,
    "TensorSpec/docs_unknown_shape_as_list": lambda tf: tf.TensorSpec(None).shape.as_list(),
    "function/docs_unknown_shape_signature_given_ints": _signature_refuses_int_tensor,
    "TensorShape/unknown_rank": lambda tf: [
        repr(tf.TensorShape(None)), str(tf.TensorShape(None)), tf.TensorShape(None).rank,
        tf.TensorShape(None).ndims, isinstance(tf.TensorShape(None), tf.TensorShape),
        tf.TensorShape(None).num_elements(), repr(tf.TensorSpec(None).shape)],
    "TensorShape/unknown_rank_len": lambda tf: len(tf.TensorShape(None)),
    "TensorShape/unknown_rank_iterated": lambda tf: list(tf.TensorShape(None)),
}
for _name, _fn in SPECS.items():
    add_case(_name, _fn, grad=False, op="as_list" if _name.endswith("as_list") else None)


# ---- Introduction to Variables ------------------------------------------------------------------
def _assign_keeps_dtype(tf):
    a = tf.Variable([2.0, 3.0])
    a.assign([1, 2])
    return a


def _assign_resizes(tf):
    a = tf.Variable([2.0, 3.0])
    a.assign([1.0, 2.0, 3.0])


def _same_name(tf):
    my_tensor = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    a = tf.Variable(my_tensor, name="Mark")
    b = tf.Variable(my_tensor + 1, name="Mark")
    return [a == b, a.name[:4], b.name[:4]]


def _variable_views(tf):
    my_tensor = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    my_variable = tf.Variable(my_tensor)
    bool_variable = tf.Variable([False, False, False, True])
    return [tf.convert_to_tensor(my_variable), tf.math.argmax(my_variable),
            tf.reshape(my_variable, [1, 4]), bool_variable, my_variable.shape.as_list(),
            my_variable.dtype.name, my_variable.numpy()]


def _device_placement(tf):
    with tf.device('CPU:0'):
        a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        c = tf.matmul(a, b)
    return c


def _device_soft_placement(tf):
    """The guide's GPU:0 block on a machine with no GPU: TF places the op on the CPU."""
    with tf.device('CPU:0'):
        a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = tf.Variable([[1.0, 2.0, 3.0]])
    with tf.device('GPU:0'):
        k = a * b
    with tf.device(None):
        k = k + 1.0
    return k


def _placed(tf, name):
    with tf.device(name):
        return tf.constant(1.0) * 2.0


VARIABLES = {
    "Variable/docs_assign_keeps_dtype": _assign_keeps_dtype,
    "Variable/docs_assign_resizes": _assign_resizes,
    "Variable/docs_same_name_elementwise_unequal": _same_name,
    "Variable/docs_viewed_as_tensor": _variable_views,
    "Variable/docs_complex": lambda tf: (lambda v: [v.dtype.name, v.numpy().real, v.numpy().imag])(
        tf.Variable([5 + 4j, 6 + 1j])),
    "Variable/docs_type_names": lambda tf: (lambda x: [
        type(x).__name__, type(x + 1).__name__, isinstance(x, tf.Variable),
        isinstance(x + 1, tf.Tensor), isinstance(x, tf.Tensor)])(tf.Variable(2.0)),
    "device/docs_cpu": _device_placement,
    "device/docs_gpu_without_a_gpu": _device_soft_placement,
    "device/docs_not_a_device_name": lambda tf: _placed(tf, "garbage"),
    "device/docs_a_number": lambda tf: _placed(tf, 3),
}
for _name, _fn in VARIABLES.items():
    add_case(_name, _fn, grad=False, op="assign" if "assign" in _name else None)


# ---- Introduction to Tensors --------------------------------------------------------------------
def _reshape_bad_examples(tf):
    rank_3_tensor = tf.constant(np.arange(30, dtype=np.int32).reshape(3, 2, 5))
    return [tf.reshape(rank_3_tensor, [2, 3, 5]), tf.reshape(rank_3_tensor, [5, 6])]


def _caught_as(tf, call):
    """Which builtin classes the error TF's kernel raises for `call` is also an instance of,
    caught as `except tf.errors.InvalidArgumentError` catches it."""
    try:
        call()
    except tf.errors.InvalidArgumentError as error:
        return {"ValueError": isinstance(error, ValueError),
                "TypeError": isinstance(error, TypeError)}


TENSORS = {
    "reshape/docs_bad_examples": _reshape_bad_examples,
    "reshape/docs_does_not_work_at_all": lambda tf: tf.reshape(
        tf.constant(np.arange(30, dtype=np.int32).reshape(3, 2, 5)), [7, -1]),
    "reshape/docs_size_differs": lambda tf: tf.reshape(tf.range(30), [7, 3]),
    "constant/docs_ragged_list": lambda tf: tf.constant([[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]]),
    "errors.InvalidArgumentError/docs_kernel_dtype_refusal_classes": lambda tf: _caught_as(
        tf, lambda: tf.constant(1) + tf.constant(1.0)),
    "errors.InvalidArgumentError/docs_kernel_shape_refusal_classes": lambda tf: _caught_as(
        tf, lambda: tf.reshape(tf.range(30), [7, -1])),
    "nn.softmax/docs_largest_value": lambda tf: [
        tf.reduce_max(tf.constant([[4.0, 5.0], [10.0, 1.0]])),
        tf.math.argmax(tf.constant([[4.0, 5.0], [10.0, 1.0]]))],
}
for _name, _fn in TENSORS.items():
    add_case(_name, _fn, grad=False)


# ---- Writing a training loop from scratch (Keras 3's guide, TF backend) --------------------------
def _digits_model(tf):
    """The guide's get_model(), 784 pixels made 16 and its kernels fixed."""
    inputs = tf.keras.Input(shape=(16,), name="digits")
    x1 = _dense(tf, 8, 16, seed=31, activation="relu")(inputs)
    x2 = _dense(tf, 8, 8, seed=32, activation="relu")(x1)
    outputs = tf.keras.layers.Dense(10, name="predictions", kernel_initializer=(
        tf.constant_initializer(spread((8, 10), seed=33, low=-0.6, high=0.6))))(x2)
    return tf.keras.Model(inputs=inputs, outputs=outputs)


def _loop_from_scratch_on_raw_pixels(tf):
    """The guide's loop as written: uint8 pixels fed unscaled, Adam's apply, a tf.function
    step and a validation loop with SparseCategoricalAccuracy reset each epoch."""
    pixels = (spread((40, 16), seed=34, low=0.0, high=256.0)).astype(np.uint8)
    labels = np.floor(spread((40,), seed=35, low=0.0, high=10.0)).astype(np.uint8)
    model = _digits_model(tf)
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = tf.keras.metrics.SparseCategoricalAccuracy()
    val_acc_metric = tf.keras.metrics.SparseCategoricalAccuracy()
    train_dataset = tf.data.Dataset.from_tensor_slices((pixels[:32], labels[:32])).batch(8)
    val_dataset = tf.data.Dataset.from_tensor_slices((pixels[32:], labels[32:])).batch(4)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)
        return loss_value

    @tf.function
    def test_step(x, y):
        val_logits = model(x, training=False)
        val_acc_metric.update_state(y, val_logits)

    epochs = []
    for _ in range(2):
        losses = [float(train_step(x, y)) for x, y in train_dataset]
        train_acc = float(train_acc_metric.result())
        train_acc_metric.reset_state()
        for x_batch_val, y_batch_val in val_dataset:
            test_step(x_batch_val, y_batch_val)
        epochs.append([losses, train_acc, float(val_acc_metric.result())])
        val_acc_metric.reset_state()
    return [tf.constant(epochs[0][0]), tf.constant(epochs[1][0]), epochs[0][1:], epochs[1][1:],
            model.get_layer("predictions").kernel, train_dataset.element_spec[0].dtype.name]


add_case("keras.Model/docs_loop_from_scratch_on_raw_pixels", _loop_from_scratch_on_raw_pixels,
         grad=False, rtol=1e-4, atol=1e-4)


# ---- tf.data ------------------------------------------------------------------------------------
def _series(count=6):
    """The guide's gen_series with its random sizes and values fixed."""
    def gen_series():
        for i in range(count):
            size = 1 + (i * 5) % 7
            yield i, spread((size,), seed=i + 21)
    return gen_series


def _from_generator_output_shapes(tf):
    ds_series = tf.data.Dataset.from_generator(
        _series(), output_types=(tf.int32, tf.float32), output_shapes=((), (None,)))
    ids, sequence_batch = next(iter(ds_series.padded_batch(4)))
    return [repr(ds_series), ds_series.element_spec[1].shape.as_list(), ids, sequence_batch]


def _from_generator_shape_refused(tf):
    ds = tf.data.Dataset.from_generator(_series(), output_types=(tf.int32, tf.float32),
                                        output_shapes=((), (2,)))
    return list(ds)


def _py_function_decorator(tf):
    @tf.py_function(Tout=tf.float32)
    def doubled(image):
        return image * 2.0

    return [doubled(tf.constant([1.0, 2.5])), doubled.__name__,
            list(tf.data.Dataset.from_tensor_slices([1.0, 2.0]).map(doubled))]


def _windows(tf):
    """The guide's range_ds.window(5, shift=1), printed as a notebook shows it."""
    range_ds = tf.data.Dataset.range(10)
    windows = range_ds.window(5, shift=1)
    pairs = tf.data.Dataset.zip((range_ds, range_ds)).window(3)
    return [repr(windows), repr(windows.element_spec), repr(next(iter(windows))),
            repr(pairs), [repr(sub) for sub in next(iter(pairs))],
            [w.numpy().tolist() for w in windows.flat_map(lambda w: w.batch(5)).take(2)]]


def _group_by_window_reduce_sees(tf):
    seen = []

    def reduce_func(key, ds):
        seen.append(repr(ds))
        return ds.batch(5)

    grouped = tf.data.Dataset.range(10).group_by_window(
        key_func=lambda x: x % 2, reduce_func=reduce_func, window_size=5)
    return [[x.numpy().tolist() for x in grouped], seen[0]]


DATA = {
    "data.Dataset/docs_window_printed": _windows,
    "data.Dataset/docs_group_by_window_printed": _group_by_window_reduce_sees,
    "data.Dataset/docs_from_generator_output_shapes": _from_generator_output_shapes,
    "data.Dataset/docs_from_generator_shape_refused": _from_generator_shape_refused,
    "py_function/docs_decorator": _py_function_decorator,
    "py_function/docs_inp_missing": lambda tf: tf.py_function(lambda x: x, Tout=tf.float32),
    "numpy_function/docs_decorator": lambda tf: tf.numpy_function(Tout=tf.float32)(
        lambda x: x * 2)(tf.constant([1.0, 3.0])),
}
for _name, _fn in DATA.items():
    add_case(_name, _fn, grad=False, op="from_generator" if "generator" in _name else None)
