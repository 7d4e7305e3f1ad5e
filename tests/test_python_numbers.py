"""The tensors ops make from Python numbers are listed while someone holds them (the widget
calls them constants, viz/leaves.py), and let go once nobody does: a long loop's list stays
bounded, and a kept tape's constants are still told apart after the list was pruned."""
import numpy as np

import tapeviz as tf
from tapeviz import python_numbers


def test_a_kept_tapes_numbers_survive_pruning_and_the_rest_are_let_go():
    x = tf.Variable(3.0)
    with tf.GradientTape() as kept:
        y = x * 2.0
    two = kept.nodes[0].inputs[1]
    data = tf.constant(np.float32(2.0))
    with tf.GradientTape() as tape:
        z = x * data
    for _ in range(3 * python_numbers.LIMIT[0]):   # taped ops whose numbers nobody keeps
        with tf.GradientTape():
            x * 0.5
    assert len(python_numbers.MADE) <= python_numbers.LIMIT[0]
    assert python_numbers.from_python(two)          # its tape still holds it
    assert not python_numbers.from_python(tape.nodes[0].inputs[1])   # a tensor made before
    assert y.numpy() == 6.0 and z.numpy() == 6.0


def test_a_number_passed_by_name_is_from_python_and_a_numpy_value_is_not():
    w, m = tf.Variable(1.0), 1.0
    with tf.GradientTape() as tape:
        tf.add(w, m)                                 # the general conversion path
        tf.add(w, np.float32(1.0))                   # a numpy value: data
        tf.multiply(w, [1.0, 2.0])                   # a Python list: data with an axis
    said = [python_numbers.from_python(node.inputs[1]) for node in tape.nodes]
    assert said == [True, False, False], said


def test_a_number_looked_up_is_still_let_go_once_nobody_holds_it():
    import weakref
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        x * 0.25
    number = tape.nodes[0].inputs[1]
    assert python_numbers.from_python(number)        # indexed by the look-up
    gone = weakref.ref(number)
    del tape, number
    for _ in range(3 * python_numbers.LIMIT[0]):
        with tf.GradientTape():
            x * 0.5
    assert gone() is None                            # the index held it past no prune
