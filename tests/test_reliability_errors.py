"""Ten mistakes a TensorFlow student makes with the functional API, merge layers,
regularizers, schedules, `optimizer.apply`, tf.linalg, segment ops, top_k and the
rearranging ops: each error is tapeviz's, names the op or function, what it expected and
what came, and points at the student's own line (the function below that made it)."""
import pytest

import tapeviz as tf
from tapeviz.errors import OpError

L = tf.keras.layers


def add_of_mismatched_shapes():
    return L.Add()([tf.ones((2, 3)), tf.ones((2, 4))])


def concatenate_of_mismatched_batches():
    return L.Concatenate()([tf.ones((2, 3)), tf.ones((4, 3))])


def functional_add_of_mismatched_inputs():
    a, b = tf.keras.Input(shape=(3,)), tf.keras.Input(shape=(4,))
    return L.Add()([a, b])


def keras_tensor_read_as_a_value():
    inputs = tf.keras.Input(shape=(3,))
    return inputs.numpy()


def functional_model_fed_the_wrong_width():
    inputs = tf.keras.Input(shape=(3,))
    model = tf.keras.Model(inputs, L.Dense(2)(inputs))
    return model(tf.ones((2, 5)))


def regularizer_misspelled():
    return L.Dense(2, kernel_regularizer="l3")


def schedule_of_zero_decay_steps():
    return tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.9)


def schedule_with_as_many_values_as_boundaries():
    return tf.keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5])


def apply_given_one_variable():
    w = tf.Variable([1.0])
    tf.keras.optimizers.SGD(0.1).apply([tf.constant([1.0])], w)


def inverse_of_a_singular_matrix():
    return tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))


def determinant_of_a_non_square_matrix():
    return tf.linalg.det(tf.ones((2, 3)))


def segment_sum_of_unsorted_ids():
    return tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), tf.constant([1, 0, 1]))


def top_k_larger_than_the_axis():
    return tf.math.top_k(tf.constant([1.0, 2.0, 3.0]), k=5)


def slice_past_the_end():
    return tf.slice(tf.ones((3, 4)), [1, 2], [3, 2])


def roll_of_more_shifts_than_axes():
    return tf.roll(tf.ones((3, 4)), shift=[1, 2], axis=[0])


def meshgrid_of_an_unknown_indexing():
    return tf.meshgrid(tf.ones(3), tf.ones(2), indexing="ab")


# (mistake, error class, what the message must say: the op or function, expected, came)
CASES = [
    (add_of_mismatched_shapes, tf.errors.InvalidArgumentError,
     ["add: operand shapes must broadcast together", "float32[2, 3], float32[2, 4]"]),
    (concatenate_of_mismatched_batches, tf.errors.InvalidArgumentError,
     ["(Concatenate): the inputs' shapes must match except on axis -1", "(2, 3), (4, 3)"]),
    (functional_add_of_mismatched_inputs, tf.errors.InvalidArgumentError,
     ["add: operand shapes must broadcast", "KerasTensors of shape (None, 3), (None, 4)"]),
    (keras_tensor_read_as_a_value, AttributeError,
     ["KerasTensor.numpy: a KerasTensor has no values", "shape (None, 3)",
      "tf.keras.Model(inputs, outputs)"]),
    (functional_model_fed_the_wrong_width, tf.errors.InvalidArgumentError,
     ["expected axis -1 of input shape to have value 3", "(2, 5)"]),
    (regularizer_misspelled, tf.errors.InvalidArgumentError,
     ["regularizer identifier: 'l3'", "known names are ['l1', 'l2']"]),
    (schedule_of_zero_decay_steps, tf.errors.InvalidArgumentError,
     ["ExponentialDecay: decay_steps must be a positive number of steps; got 0"]),
    (schedule_with_as_many_values_as_boundaries, tf.errors.InvalidArgumentError,
     ["PiecewiseConstantDecay: values must have one more entry than boundaries",
      "got 2 values, 2 boundaries"]),
    (apply_given_one_variable, tf.errors.InvalidArgumentError,
     ["SGD.apply: trainable_variables must be a list", "got a float32 tensor of shape (1,)"]),
    (inverse_of_a_singular_matrix, tf.errors.InvalidArgumentError,
     ["inv: the matrix is not invertible (singular)"]),
    (determinant_of_a_non_square_matrix, tf.errors.InvalidArgumentError,
     ["det: expected square matrices", "got shape (2, 3)"]),
    (segment_sum_of_unsorted_ids, tf.errors.InvalidArgumentError,
     ["segment_sum: segment ids must be sorted", "got [1, 0, 1]", "unsorted_segment_sum"]),
    (top_k_larger_than_the_axis, tf.errors.InvalidArgumentError,
     ["top_k: input must have at least k=5 entries on its last axis", "got shape (3,)"]),
    (slice_past_the_end, tf.errors.InvalidArgumentError,
     ["slice: axis 0: begin 1 with size 3 is outside its length 3"]),
    (roll_of_more_shifts_than_axes, tf.errors.InvalidArgumentError,
     ["roll: shift and axis must have as many entries", "shift=(1, 2), axis=(0,)"]),
    (meshgrid_of_an_unknown_indexing, tf.errors.InvalidArgumentError,
     ["meshgrid: indexing must be one of 'xy', 'ij'", "got 'ab'"]),
]


@pytest.mark.parametrize("mistake, kind, said", CASES, ids=[c[0].__name__ for c in CASES])
def test_a_students_mistake_is_said_at_the_students_line(mistake, kind, said):
    with pytest.raises(kind) as raised:
        mistake()
    error = raised.value
    assert isinstance(error, OpError), f"a bare {type(error).__name__}: {error}"
    text = str(error)
    for words in said:
        assert words in text, text
    assert error.source.filename == __file__ and error.source.function == mistake.__name__
    assert f"at {error.source}" in text, text
