"""TensorFlow 1's top-level names that TensorFlow 2 dropped, each with what TF 2 (and so
tapeviz) writes instead, so that `tf.placeholder` from a TF 1 tutorial says why it is gone
and what to write, not merely that it is absent (`coverage.py`). Data only.
"""

_NO_GRAPH = ("TF 2 runs each op when it is called, with no graph to build and run: read a "
             "result with .numpy() (no sess.run)")
_NO_INIT = ("a tf.Variable holds its value from the moment it is made: delete the call "
            "(and the sess.run of it)")

# tf.<name> in TensorFlow 1 -> what TensorFlow 2 writes instead
TF1_ONLY: dict[str, str] = {
    "placeholder": "there is no graph to feed: pass the values themselves (a function's "
                   "arguments, a numpy array or tf.constant(...))",
    "Session": _NO_GRAPH, "InteractiveSession": _NO_GRAPH,
    "global_variables_initializer": _NO_INIT, "initialize_all_variables": _NO_INIT,
    "local_variables_initializer": _NO_INIT,
    "reset_default_graph": "there is no graph to reset; tf.keras.backend.clear_session() "
                           "resets Keras's layer names",
    "enable_eager_execution": "TF 2 runs eagerly already, as tapeviz does: delete the call",
    "get_variable": "make it with tf.Variable: w = tf.Variable(tf.random.normal([784, 10]), "
                    "name='w')",
    "variable_scope": "tf.name_scope('layer1') names ops; a Keras layer or a tf.Module owns "
                      "its variables",
    "trainable_variables": "read a Keras model's or a tf.Module's model.trainable_variables",
    "layers": "use Keras's layers: tf.keras.layers.Dense(units, activation='relu')",
    "estimator": "TF 2.16 removed the last of it: train with tf.keras (model.compile, model.fit) "
                 "or a GradientTape loop",
    "random_normal": "write tf.random.normal(shape, mean, stddev)",
    "random_uniform": "write tf.random.uniform(shape, minval, maxval)",
    "truncated_normal": "write tf.random.truncated_normal(shape, mean, stddev)",
    "set_random_seed": "write tf.random.set_seed(seed)",
    "to_float": "write tf.cast(x, tf.float32)", "to_double": "write tf.cast(x, tf.float64)",
    "to_int32": "write tf.cast(x, tf.int32)", "to_int64": "write tf.cast(x, tf.int64)",
    "div": "write x / y (tf.math.divide)", "sub": "write x - y (tf.subtract)",
    "mul": "write x * y (tf.multiply)",
    "arg_max": "write tf.argmax(x, axis)", "arg_min": "write tf.argmin(x, axis)",
    "assign": "write w.assign(value)", "assign_add": "write w.assign_add(delta)",
    "assign_sub": "write w.assign_sub(delta)",
    "Print": "write tf.print(x)",
    "logging": "use print, or Python's logging module",
    "app": "use argparse (or absl.flags) and a plain main()",
    "fft": "TF 2 has tf.signal.fft, which tapeviz does not cover: numpy.fft on x.numpy(), outside "
           "the tape",
}
