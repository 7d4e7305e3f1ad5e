"""`tf.function`: the decorator, which in tapeviz runs the function eagerly, every call.

tapeviz has no graphs: a decorated step runs as written, op by op, so the debugger sees
each op at its own line (TF's advice for debugging a tf.function is the same switch,
`tf.config.run_functions_eagerly(True)`). What differs from a traced function is what
differs from eager TF: Python side effects such as `print` run on every call, not once
per trace.
"""
from __future__ import annotations

from .errors import DTypeError, bad_argument


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """`func` itself, run eagerly; usable as `@tf.function` or `@tf.function(...)`.

    >>> import tapeviz as tf
    >>> @tf.function
    ... def double(x):
    ...     return 2 * x
    >>> double(tf.constant(3.0)).numpy()
    np.float32(6.0)
    """
    if func is None:   # @tf.function(...): its options change nothing when run eagerly
        return lambda decorated: function(decorated, input_signature)
    if not callable(func):
        raise bad_argument("function", "func", "a function (tf.function decorates one)", func,
                           DTypeError)
    if input_signature is not None and not isinstance(input_signature, (list, tuple)):
        raise bad_argument("function", "input_signature", "a list or tuple of tf.TensorSpec "
                           "(not enforced: the function runs eagerly)", input_signature,
                           DTypeError)
    return func
