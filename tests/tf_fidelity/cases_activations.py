"""Cases for the activations a student writes beyond relu and softmax: tf.math.erf and
tf.nn.gelu (exact and approximate), selu, softsign, and Keras 3's activations by name, as
functions of keras.activations and as Dense(activation=...) strings (gelu, hard_sigmoid,
hard_silu, mish, relu6, log_softmax, silu/swish, elu, selu, softplus, softsign,
leaky_relu, exponential). Registered into `cases.CASES` (cases.py imports this module at
its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32, f64, i32

# ---- tf.math and tf.nn ------------------------------------------------------------------------
add_case("math.erf/values", lambda tf, x: tf.math.erf(x), f32(2, 6, low=-3, high=3))
add_case("math.erf/float64", lambda tf, x: tf.math.erf(x), f64(7, low=-4, high=4))
add_case("math.erf/int32", lambda tf, x: tf.math.erf(x), i32(3))
add_case("math.erfc/values", lambda tf, x: tf.math.erfc(x), f32(2, 6, low=-3, high=3))
add_case("nn.gelu/exact", lambda tf, x: tf.nn.gelu(x), f32(2, 6, low=-4, high=4))
add_case("nn.gelu/approximate", lambda tf, x: tf.nn.gelu(x, approximate=True),
         f32(2, 6, low=-4, high=4))
# TF's float64 erfc (its own, which replaces libm's in the process) is off by up to ~2.4e-7 of
# itself: erfc(2.5787766) 2.65381076e-4, where the value is 2.65381012e-4 (tapeviz's)
add_case("nn.gelu/float64", lambda tf, x: tf.nn.gelu(x), f64(7, low=-4, high=4), rtol=1e-6)
add_case("nn.gelu/int32", lambda tf, x: tf.nn.gelu(x), i32(3))
add_case("nn.selu/values", lambda tf, x: tf.nn.selu(x), f32(2, 5, low=-3, high=3))
add_case("nn.softsign/values", lambda tf, x: tf.nn.softsign(x), f32(2, 5, low=-3, high=3))
add_case("math.softsign/values", lambda tf, x: tf.math.softsign(x), f64(6, low=-3, high=3))

# ---- keras.activations, by function and by name -----------------------------------------------
NEW_NAMES = ("gelu", "hard_sigmoid", "hard_silu", "hard_swish", "mish", "relu6", "log_softmax",
             "log_sigmoid")
for _name in NEW_NAMES:
    add_case(f"keras.activations/{_name}",
             lambda tf, x, _n=_name: tf.keras.activations.get(_n)(x), f32(2, 5, low=-4, high=8))
add_case("keras.activations.gelu/approximate", lambda tf, x: tf.keras.activations.gelu(
    x, approximate=True), f32(2, 5, low=-4, high=4))
add_case("keras.activations.elu/alpha", lambda tf, x: tf.keras.activations.elu(x, alpha=0.5),
         f32(2, 5, low=-3, high=3))
add_case("keras.activations.leaky_relu/negative_slope", lambda tf, x: tf.keras.activations
         .leaky_relu(x, negative_slope=0.1), f32(2, 5, low=-3, high=3))
add_case("keras.activations.log_softmax/axis", lambda tf, x: tf.keras.activations.log_softmax(
    x, axis=0), f32(3, 4, low=-3, high=3))
add_case("keras.activations.mish/float64", lambda tf, x: tf.keras.activations.mish(x),
         f64(6, low=-5, high=5))
add_case("keras.activations.hard_sigmoid/at_the_kinks", lambda tf: tf.keras.activations
         .hard_sigmoid(tf.constant([-3.0, -2.5, 0.0, 3.0, 3.5])), grad=False)
add_case("keras.activations.get/unknown_name", lambda tf: tf.keras.activations.get("gleu"),
         grad=False, op="gleu")

# as the strings a Dense layer takes (the kernel of ones: each unit sees the sum of its inputs)
DENSE_STRINGS = ("silu", "swish", "elu", "selu", "softplus", "softsign", "mish", "leaky_relu",
                 "relu6", "exponential", "log_softmax", "hard_silu")
for _name in DENSE_STRINGS:
    add_case(f"keras.layers.Dense/activation_{_name}", lambda tf, x, _n=_name:
             tf.keras.layers.Dense(3, activation=_n, kernel_initializer="ones")(x),
             f32(3, 4, seed=38, low=-1.5, high=1.5))

# ---- activations as layers, and a layer's float64 input (Keras 3 casts it to float32) ----------
LAYERS = {
    "LeakyReLU/hunt_default_slope": lambda tf, x: tf.keras.layers.LeakyReLU()(x),
    "LeakyReLU/hunt_negative_slope": lambda tf, x: tf.keras.layers.LeakyReLU(
        negative_slope=0.1)(x),
    "LeakyReLU/hunt_alpha_keras2": lambda tf, x: tf.keras.layers.LeakyReLU(alpha=0.2)(x),
    "ELU/hunt_alpha": lambda tf, x: tf.keras.layers.ELU(alpha=0.5)(x),
    "Rescaling/hunt_scale_offset": lambda tf, x: tf.keras.layers.Rescaling(0.5, offset=-1.0)(x),
    "ReLU/hunt_float64_input": lambda tf, x: tf.keras.layers.ReLU()(tf.cast(x, tf.float64)),
    "Activation/hunt_float64_input": lambda tf, x: tf.keras.layers.Activation("tanh")(
        tf.cast(x, tf.float64)),
    "Softmax/hunt_float64_input": lambda tf, x: tf.keras.layers.Softmax()(
        tf.cast(x, tf.float64)),
}
for _name, _fn in LAYERS.items():
    add_case(f"keras.layers.{_name}", _fn, f32(2, 4, seed=46, low=-3, high=3))
add_case("keras.layers.Rescaling/hunt_uint8_pixels", lambda tf: tf.keras.layers.Rescaling(
    1.0 / 255)(tf.constant([[0, 128, 255]], tf.uint8)), grad=False)
add_case("keras.layers.LeakyReLU/hunt_negative_slope_below_zero", lambda tf: tf.keras.layers
         .LeakyReLU(negative_slope=-0.1), grad=False, op="negative_slope")
add_case("keras.Sequential/hunt_rescaling_cnn", lambda tf: tf.keras.Sequential([
    tf.keras.Input((4, 4, 1)), tf.keras.layers.Rescaling(1.0 / 255),
    tf.keras.layers.Conv2D(2, 3, kernel_initializer="ones"), tf.keras.layers.LeakyReLU(),
    tf.keras.layers.Flatten(), tf.keras.layers.Dense(1, kernel_initializer="ones")])(
        tf.constant((np.arange(16) * 16).reshape(1, 4, 4, 1), tf.uint8)), grad=False)
