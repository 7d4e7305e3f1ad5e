"""Conv2DTranspose and tf.nn.conv2d_transpose: output shapes over strides, paddings,
output_padding and dilation, values and gradients with set weights (the input's through
the layer, the filters' through tf.nn), and the arguments and inputs TF refuses.
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

from .cases import add_case, f32, spread


def _layer(tf, filters, kernel_size, in_channels, **options):
    """A Conv2DTranspose whose kernel and bias are fixed values (none random)."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return tf.keras.layers.Conv2DTranspose(
        filters, kernel_size,
        kernel_initializer=tf.constant_initializer(spread((kh, kw, filters, in_channels),
                                                          seed=5)),
        bias_initializer=tf.constant_initializer(spread((filters,), seed=6)), **options)


_SHAPES = {
    "valid": dict(),
    "same": dict(padding="same"),
    "stride2_valid": dict(strides=2),
    "stride2_same": dict(strides=2, padding="same"),
    "stride3_k2_valid": dict(kernel_size=2, strides=3),
    "strides_2_1_same": dict(strides=(2, 1), padding="same"),
    "output_padding_valid": dict(strides=2, output_padding=1),
    "output_padding_same": dict(strides=2, padding="same", output_padding=1),
    "output_padding_0_same": dict(strides=2, padding="same", output_padding=0),
    "output_padding_even_kernel": dict(kernel_size=4, strides=3, padding="same",
                                       output_padding=(2, 1)),
    "dilation_valid": dict(dilation_rate=2),
    "dilation_same": dict(dilation_rate=2, padding="same"),
    "kernel_2x3": dict(kernel_size=(2, 3), strides=2, padding="same"),
}

for _name, _options in _SHAPES.items():
    def _values(tf, x, options=_options):
        options = dict(options)
        layer = _layer(tf, 2, options.pop("kernel_size", 3), 3, **options)
        out = layer(x)
        return [out, list(layer.compute_output_shape((None, 4, 5, 3)))]
    add_case(f"keras.layers.Conv2DTranspose/{_name}", _values, f32(2, 4, 5, 3))


add_case("keras.layers.Conv2DTranspose/relu_no_bias",
         lambda tf, x: _layer(tf, 3, 2, 2, strides=2, activation="relu", use_bias=False)(x),
         f32(1, 3, 3, 2))
add_case("keras.layers.Conv2DTranspose/weights",
         lambda tf: [[tuple(w.shape) for w in layer.weights] + [layer.name]
                     for layer in [tf.keras.layers.Conv2DTranspose(4, (3, 2), strides=2)]
                     if layer.build((None, 5, 5, 7)) is None][0], grad=False)
add_case("keras.layers.Conv2DTranspose/config",
         lambda tf: {k: v for k, v in tf.keras.layers.Conv2DTranspose(
             4, 3, strides=2, padding="same", output_padding=1).get_config().items()
             if k in ("filters", "kernel_size", "strides", "padding", "output_padding",
                      "dilation_rate", "data_format", "use_bias")}, grad=False)
add_case("keras.layers.Conv2DTranspose/in_sequential",
         lambda tf, x: tf.keras.Sequential([
             tf.keras.Input((4, 4, 1)), tf.keras.layers.Conv2D(2, 3, padding="same"),
             tf.keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same")]).output_shape,
         f32(1, 4, 4, 1), grad=False)
add_case("keras.layers.Conv2DTranspose/int_input",
         lambda tf, x: _layer(tf, 1, 2, 1)(tf.cast(x, tf.int32)), f32(1, 2, 2, 1, low=0, high=5),
         op="conv2d_transpose")

# ---- refusals --------------------------------------------------------------------------------
add_case("keras.layers.Conv2DTranspose/rank3_input",
         lambda tf, x: tf.keras.layers.Conv2DTranspose(2, 3)(x), f32(2, 5, 5),
         op="conv2d_transpose")
add_case("keras.layers.Conv2DTranspose/channels_changed",
         lambda tf, x, y: [layer(x) + layer(y)
                           for layer in [tf.keras.layers.Conv2DTranspose(2, 3)]],
         f32(1, 4, 4, 3), f32(1, 4, 4, 2), op="conv2d_transpose")
add_case("keras.layers.Conv2DTranspose/output_padding_not_below_strides",
         lambda tf: tf.keras.layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
         grad=False, op="Conv2DTranspose")
add_case("keras.layers.Conv2DTranspose/strides_and_dilation",
         lambda tf: tf.keras.layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2),
         grad=False, op="Conv2DTranspose")
add_case("keras.layers.Conv2DTranspose/zero_filters",
         lambda tf: tf.keras.layers.Conv2DTranspose(0, 3), grad=False, op="Conv2DTranspose")
add_case("keras.layers.Conv2DTranspose/bad_padding",
         lambda tf: tf.keras.layers.Conv2DTranspose(2, 3, padding="full"), grad=False,
         op="Conv2DTranspose")

# ---- tf.nn.conv2d_transpose: the filters' gradient too ----------------------------------------
_NN = {
    "stride2_same": ([2, 6, 6, 2], 2, "SAME", None),
    "stride2_odd_same": ([2, 5, 5, 2], 2, "SAME", None),
    "stride2_valid": ([2, 7, 7, 2], 2, "VALID", None),
    "stride2_valid_wider": ([2, 8, 8, 2], 2, "VALID", None),
    "stride1_same": ([2, 3, 3, 2], 1, "SAME", None),
    "dilated_valid": ([2, 7, 7, 2], 1, "VALID", 2),
    "explicit": ([2, 5, 5, 2], 2, [[0, 0], [1, 1], [1, 1], [0, 0]], None),
}
for _name, (_shape, _stride, _padding, _dilations) in _NN.items():
    add_case(f"nn.conv2d_transpose/{_name}",
             lambda tf, x, w, s=_shape, st=_stride, p=_padding, d=_dilations:
             tf.nn.conv2d_transpose(x, w, s, st, p, dilations=d),
             f32(2, 3, 3, 4), f32(3, 3, 2, 4, seed=2))
add_case("nn.conv2d_transpose/tensor_output_shape",
         lambda tf, x, w: tf.nn.conv2d_transpose(x, w, tf.constant([1, 4, 4, 2]), 2),
         f32(1, 2, 2, 4), f32(3, 3, 2, 4, seed=2))
add_case("nn.conv_transpose/nhwc",
         lambda tf, x, w: tf.nn.conv_transpose(x, w, [1, 4, 4, 2], 2),
         f32(1, 2, 2, 4), f32(3, 3, 2, 4, seed=2))
add_case("nn.conv2d_transpose/output_shape_mismatch",
         lambda tf, x, w: tf.nn.conv2d_transpose(x, w, [2, 9, 9, 2], 2),
         f32(2, 3, 3, 4), f32(3, 3, 2, 4, seed=2))
add_case("nn.conv2d_transpose/channels_mismatch",
         lambda tf, x, w: tf.nn.conv2d_transpose(x, w, [2, 6, 6, 2], 2),
         f32(2, 3, 3, 3), f32(3, 3, 2, 4, seed=2))
add_case("nn.conv2d_transpose/output_channels_mismatch",
         lambda tf, x, w: tf.nn.conv2d_transpose(x, w, [2, 6, 6, 3], 2),
         f32(2, 3, 3, 4), f32(3, 3, 2, 4, seed=2))
add_case("nn.conv2d_transpose/rank3_input",
         lambda tf, x, w: tf.nn.conv2d_transpose(x, w, [6, 6, 2], 2),
         f32(3, 3, 4), f32(3, 3, 2, 4, seed=2))
add_case("keras.layers.Convolution2DTranspose/alias",
         lambda tf: tf.keras.layers.Convolution2DTranspose is tf.keras.layers.Conv2DTranspose,
         grad=False)
add_case("keras.layers.Conv2DTranspose/channels_first",
         lambda tf, x: _layer(tf, 2, 3, 3, strides=2, padding="same",
                              data_format="channels_first")(x), f32(2, 3, 4, 5))
