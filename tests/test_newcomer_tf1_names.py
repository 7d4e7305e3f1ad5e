"""A TensorFlow 1 tutorial's names under `import tapeviz as tf`: each says TF 2 dropped it
and what to write (was Python's bare "module 'tapeviz' has no attribute 'placeholder'"), and
a typo is told only public names (was 'did you mean Variable or variable?', the second a
submodule of the package)."""
import pytest

import tapeviz as tf
from tapeviz.tf1_names import TF1_ONLY
from tapeviz.tf_names import TF_NAMES


@pytest.mark.parametrize("name, fix", [
    ("placeholder", "pass the values themselves"),
    ("Session", "read a result with .numpy()"),
    ("global_variables_initializer", "delete the call"),
    ("get_variable", "tf.Variable("),
    ("random_normal", "tf.random.normal("),
    ("set_random_seed", "tf.random.set_seed(seed)"),
    ("to_float", "tf.cast(x, tf.float32)"),
    ("layers", "tf.keras.layers.Dense("),
    ("estimator", "model.fit"),
    ("fft", "tf.signal.fft, which tapeviz does not cover"),
])
def test_a_tf1_name_says_tf2_dropped_it_and_what_to_write(name, fix):
    with pytest.raises(AttributeError) as info:
        getattr(tf, name)
    message = str(info.value)
    assert f"tf.{name} was TensorFlow 1's, and TensorFlow 2, which tapeviz follows, dropped " \
           "it: " in message
    assert fix in message


def test_the_tf1_table_holds_only_names_tf2_lacks_and_tapeviz_lacks():
    assert not set(TF1_ONLY) & TF_NAMES[""]
    assert not [name for name in TF1_ONLY if name in vars(tf)]


def test_a_typo_is_told_public_names_not_the_packages_modules():
    with pytest.raises(AttributeError, match=r"did you mean Variable\?$"):
        _ = tf.Varaible
    with pytest.raises(AttributeError) as info:
        _ = tf.tap   # tapeviz.tape is a module, not a TF name
    assert "did you mean" not in str(info.value)
