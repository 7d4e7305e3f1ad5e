"""Cases whose result differs from TensorFlow's, each with its reason. Never skipped: the
replay asserts each still differs (a strict xfail), so a fix or a TF change shows.

DELIBERATE: tapeviz's choice; each is a row of README's "Differences from TensorFlow" table
(test_tf_fidelity checks the case name is there). TO_FIX: a difference still to fix, in a
file outside the fidelity suite's owner's part, named in the reason.
"""
_SHAPE_ERROR_CLASS = (
    "a shape mismatch that Keras or a variable checks before any kernel runs (Dense given 4 "
    "features where it was built for 3, fit given 10 samples and 9 labels, a sparse loss "
    "given one-hot labels or a categorical one given ids, Conv2D given images without their "
    "channel axis, a variable assigned a value of another shape): TF raises a ValueError, "
    "which `except tf.errors.InvalidArgumentError` does not catch; tapeviz raises its "
    "ShapeError, one class for every shape error it raises, an InvalidArgumentError and a "
    "ValueError both, so `except ValueError` catches it in both and `except "
    "InvalidArgumentError` in tapeviz too. An op's shape mismatch (add, matmul, reshape, "
    "concat, stack, broadcast_to, a loss's batches) is an InvalidArgumentError in both")

DELIBERATE: dict[str, str] = {
    **dict.fromkeys(
        ["errors.InvalidArgumentError/docs_kernel_dtype_refusal_classes",
         "errors.InvalidArgumentError/docs_kernel_shape_refusal_classes"],
        "what a kernel's InvalidArgumentError is besides: TF's derives from OpError and "
        "Exception only, so neither `except ValueError` nor `except TypeError` catches "
        "tf.constant(1) + tf.constant(1.0) or tf.reshape(tf.range(30), [7, -1]); tapeviz's "
        "InvalidArgumentError is a ValueError (every refusal of tapeviz's is a ValueError or "
        "TypeError, so a student's `except ValueError` around a bad matmul or add goes on, as "
        "tests/test_mistakes_tapes.py's loop does) and its KernelDTypeError is also the "
        "DTypeError (a TypeError) of its other dtype refusals. Python's except matches by "
        "the class's MRO, so a KernelDTypeError that `except tf.errors.InvalidArgumentError` "
        "catches is a ValueError while InvalidArgumentError is one (short of a metaclass "
        "rewriting its MRO, which would make issubclass non-transitive)"),
    "Variable/docs_type_names":
        "the classes' own names and kinship (the autodiff guide prints type(x).__name__ to show "
        "x = x + 1 made a Tensor of a Variable): TF's are ResourceVariable and EagerTensor, "
        "and a variable is no tf.Tensor; tapeviz's are Variable and Tensor, the names a user "
        "types, and its Variable subclasses Tensor (one value type every op takes), so "
        "isinstance(variable, tf.Tensor) is True; isinstance(x, tf.Variable) tells them apart "
        "in both",
    "Variable/docs_complex":
        "complex numbers (the Variables guide's tf.Variable([5 + 4j, 6 + 1j])): TF makes a "
        "complex128 variable; tapeviz's dtypes are real (floats, ints, bool), so it refuses "
        "the value with a DTypeError naming Variable and the user's line",
    **dict.fromkeys(
        ["keras.optimizers.SGD/hunt_variable_given_twice",
         "keras.optimizers.Adam/hunt_variable_given_twice"],
        "one variable in two pairs of one apply_gradients: Keras 3 applies both updates, one "
        "after the other at one step count (Adam's second from moments the first moved); "
        "tapeviz refuses the call before any update, naming the variable and both pairs, "
        "because a list that names a variable twice is almost always a joined list "
        "(model.trainable_variables + [w]) or two losses' gradients, where one gradient of "
        "their sum is meant"),
    "keras.optimizers.Adam/embedding_repeated_ids":
        "Adam on an Embedding table whose batch reads a row more than once: TF hands Keras 3's "
        "Adam the gradient as IndexedSlices, one slice per lookup, and squares each slice "
        "before the duplicates are summed (the row's v gets sum(g_i**2)); tapeviz's gradient "
        "is the row's true gradient, summed first (v gets (sum g_i)**2), as TF's dense path "
        "and PyTorch's Adam and SparseAdam compute. Rows read once agree "
        "(embedding_unique_ids)",
    "nn.softmax_cross_entropy_with_logits/unnormalized":
        "labels whose rows do not sum to 1: TF's kernel returns softmax - labels as the logits "
        "gradient, which is not the derivative of the loss it computes; tapeviz returns the "
        "derivative, softmax * sum(labels) - labels (finite differences confirm it), equal to "
        "TF's whenever the labels are distributions",
    "nn.conv2d/kernel_larger_than_input":
        "a VALID window larger than the input: TF 2.21's CPU kernel (oneDNN) returns a tensor "
        "of the input's spatial size filled with zeros and its gradient aborts; tapeviz "
        "raises a ShapeError naming conv2d, the window, the input and the fix (padding='SAME' "
        "or a smaller kernel)",
    **dict.fromkeys(
        ["nn.conv2d_transpose/output_shape_mismatch", "nn.conv2d_transpose/channels_mismatch"],
        "an output_shape whose convolution is not the input's shape, or an input of other "
        "channels than the filters' last axis: TF 2.21's CPU kernel (oneDNN) raises "
        "AbortedError 'could not create a primitive descriptor', which neither `except "
        "ValueError` nor `except tf.errors.InvalidArgumentError` catches; tapeviz raises a "
        "ShapeError (an InvalidArgumentError and a ValueError) naming conv2d_transpose, the "
        "shapes and what they must be, ending with TF's non-oneDNN words"),
    "Variable/names_of_live_variables":
        "two variables alive at once with one name: TF names both 'w:0'; tapeviz names the "
        "second 'w_1:0', because the debugger (a recorded step's variables, the divergence "
        "alert, the optimizer's update lines) tells variables apart by name. A name is chosen "
        "when first read and is free again once its variable is gone, so a rerun cell's 'w' "
        "is 'w:0' as in TF",
    "keras.losses.serialize/round_trip":
        "Keras 3's Huber.get_config leaves out delta, so a serialized Huber(delta=0.5) comes "
        "back with delta 1.0; tapeviz's config keeps it",
    "operators/eq_shapes_that_do_not_broadcast":
        "== and != between tensors whose shapes do not broadcast: TF's operators answer one "
        "False (or True) for the whole comparison; tapeviz raises a ShapeError naming equal, "
        "both shapes and the user's line, as tf.equal does in both",
    "keras.Model/tf_variable_attribute":
        "a tf.Variable assigned as an attribute of a keras.Model subclass: Keras 3 (TF 2.21) "
        "does not track it, so the model has no trainable variables and fit() never updates "
        "it (the basic-training-loops guide's Keras section trains nothing under TF 2.21: "
        "its loss stays flat); tapeviz tracks it as Keras 2 did, and fit() trains it",
    "stack/empty_list":
        "tf.stack([]): TF returns an empty float32 tensor of shape (0,); tapeviz raises an "
        "InvalidArgumentError naming stack and the user's line (as tf.concat([], 0) fails in "
        "both), because an empty list there is usually a loop that collected nothing, which an "
        "empty tensor hides until an op far away fails",
    "keras.losses.MeanSquaredError/dtype_int32":
        "a loss made with an integer dtype: TF 2.21 casts the predictions to it, truncating "
        "them (0.75 becomes 0), and returns a float32 loss of the truncated values, silently; "
        "tapeviz refuses the dtype, naming the loss and the float dtypes it takes",
    "keras.losses.MeanSquaredError/reduction_auto":
        "reduction='auto' (Keras 2's default, tf.keras.losses.Reduction.AUTO): Keras 3 refuses "
        "it; tapeviz takes it as Keras 2 did, as sum_over_batch_size, so programs written for "
        "TF 2.0-2.15 run",
    "keras.layers.Embedding/negative_id":
        "an Embedding given the id -1: Keras 3 reads it as the table's last row (its take "
        "wraps negative ids), silently; tapeviz raises the InvalidArgumentError that "
        "tf.nn.embedding_lookup and tf.gather raise in both, naming the id, the table's size "
        "and the user's line: a -1 id is usually padding or an unknown-word marker given as an "
        "id by mistake",
    "keras.metrics.Mean/variable_names":
        "a metric's variables' names: Keras 3 (TF 2.21) names them 'total' and 'count', the "
        "same for every metric; tapeviz keeps Keras 2's 'loss/total:0', 'loss/count:0', as it "
        "keeps a layer's 'hidden/kernel:0' (keras.layers.Dense/weight_names): the debugger "
        "names a variable by its name",
    "gather_nd/one_index_vector":
        "tf.gather_nd(params, [1, 2]), indices a single index vector: TF 2.21's gradient fails "
        "(its ScatterNd is given indices of shape [2] and updates of shape [4]); tapeviz's is "
        "the gradient: the gathered slice's upstream gradient put back at [1, 2], zeros "
        "elsewhere, as for every other gather_nd case (they agree)",
    "math.top_k/int64_indices":
        "top_k with index_type=tf.int64: TF 2.21's gradient of the values fails (its TopKV2 "
        "gradient adds int64 indices to int32 offsets); tapeviz's is the gradient, each value's "
        "upstream gradient back at its index, as with int32 indices in both",
    "keras.optimizers.SGD/student_minimize":
        "optimizer.minimize(loss, var_list, tape=tape): Keras 3's optimizers (TF 2.21) have no "
        "minimize; tapeviz keeps Keras 2's, so programs written for TF 2.0-2.15 run",
    "keras.Model/metrics_names":
        "model.metrics_names after compile(metrics=['accuracy']) and fit: Keras 3 (TF 2.21) "
        "gives ['loss', 'compile_metrics']; tapeviz gives ['loss', 'accuracy'], as Keras 2 "
        "did, the keys of fit's history and of evaluate(return_dict=True) in both",
    "keras.metrics.Mean/student_reset_states_keras2":
        "metric.reset_states(): Keras 3 (TF 2.21) has reset_state only; tapeviz keeps Keras 2's "
        "name too, so programs written for TF 2.0-2.15 run",
    "GradientTape/student_jacobian_without_pfor":
        "tape.jacobian(y, x, experimental_use_pfor=False) on a tape that is not persistent: TF "
        "refuses it (without pfor its jacobian calls gradient once per output); tapeviz has "
        "one way to compute a jacobian and gives it",
    "add/student_int8_python_int_too_big":
        "tf.constant(1, tf.int8) + 1000: TF 2.21 converts 1000 to int8 by wrapping it (-24) and "
        "returns -23, silently; tapeviz refuses the number, naming add, 1000 and int8, as it "
        "refuses any Python number its tensor's dtype cannot hold",
    "constant/student_negative_uint8":
        "tf.constant(-1, tf.uint8): TF 2.21 wraps it to 255, silently; tapeviz refuses it, naming "
        "constant, -1 and uint8 (tf.cast(-1, tf.uint8) wraps in both: a cast says it means it)",
    "constant/edge_int8_out_of_range":
        "tf.constant(200, tf.int8): TF 2.21 wraps it to -56, silently; tapeviz refuses it, "
        "naming constant, 200 and int8, as constant/student_negative_uint8",
    **dict.fromkeys(
        ["multiply/edge_bool", "multiply/edge_bool_by_python_int"],
        "the `*` operator on a bool tensor: TF 2.21's operator computes a logical and, the "
        "other operand cast through int32 (mask * mask is their and, mask * 2 is the mask, "
        "mask * 0.5 is all False), while tf.multiply refuses bools (no Mul kernel); tapeviz's "
        "operator refuses them as tf.multiply does in both, naming multiply, bool and the fix "
        "(tf.logical_and, or tf.cast to a number): one rule for `*` and tf.multiply, and no "
        "silent False from a float"),
    "add/edge_int_tensor_and_numpy_float":
        "an int tensor plus a numpy float scalar (tf.constant([1]) + np.float32(0.5)): TF 2.21 "
        "casts the numpy value to int32, truncating it, and returns [1], silently; tapeviz "
        "refuses it, naming add, the value and int32, as it refuses a Python float there in "
        "both (a whole-valued numpy float, np.float32(2.0), converts in both)",
    "keras.layers.Dense/weight_names":
        "a layer's weights' names: Keras 3 (TF 2.21) names them 'kernel' and 'bias', the same "
        "for every layer (the layer is in their .path); tapeviz keeps Keras 2's 'hidden/"
        "kernel:0', because the debugger (a recorded step's variables, the update lines, "
        "diagnoses) names a variable by its name, and 'kernel' would not say which",
    "custom_gradient/two_results":
        "a custom-gradient function returning a tuple of tensors, its grad_fn taking one "
        "upstream gradient each: TF records one op of several outputs; tapeviz's op has one "
        "output, so it raises an InvalidArgumentError naming custom_gradient and the function, "
        "with the fix (return one tensor: concat or stack the parts, split them after)",
    "keras.Model/guide_custom_train_step_sample_weight":
        "a train_step of one's own calling metric.update_state(y, y_pred, sample_weight=...) "
        "for each of self.metrics (the fit-customising guide's sample-weight section): Keras 3 "
        "hands it one 'compile_metrics' container, which drops the weights of metrics not "
        "compiled as weighted_metrics, so the guide's weighted MAE is unweighted; tapeviz "
        "weights it, as the guide's code asks and Keras 2 did. The loss agrees",
    "keras.Model/guide_keras2_train_step":
        "a Keras 2 train_step (loss = self.compiled_loss(y, y_pred, regularization_losses=...), "
        "self.compiled_metrics.update_state(y, y_pred)): Keras 3's deprecated compiled_loss "
        "leaves the 'loss' tracker out, and fit's history reads a loss that is not the one "
        "minimised (-1.65, -0.13 where it is 8.35, 2.80); tapeviz's compiled_loss tracks it as "
        "Keras 2 did, so programs written for TF 2.0-2.15 log their loss. The metrics agree",
    "data.Dataset/student_shuffle_seed_order":
        "Dataset.shuffle(8, seed=42): TF's order comes from its own Philox generator and "
        "shuffle buffer; tapeviz's from numpy's generator, so the same seed gives another "
        "order. In both a seed gives the same orders on every run, each epoch's order differs "
        "unless reshuffle_each_iteration=False, and every element comes once (the other "
        "shuffle cases agree)",
    "keras.layers.Layer/student_add_weight_name_first":
        "self.add_weight('scale', shape=...), the name first, as Keras 2's signature had it: "
        "Keras 3 (TF 2.21) refuses a positional name; tapeviz takes it as Keras 2 did, so "
        "custom layers written for TF 2.0-2.15 run",
    "keras.Model/student_save_weights_checkpoint_name":
        "model.save_weights('ckpt') (TF 2.0-2.15's checkpoint name, no extension): Keras 3 "
        "refuses a name not ending in .weights.h5; tapeviz saves to ckpt.npz and "
        "load_weights('ckpt') reads it back, so programs written for TF 2.0-2.15 run",
    "keras.Sequential/student_input_with_extra_axis_of_one":
        "a Sequential made with Input((3,)) given x of shape (8, 3, 1): Keras 3 (TF 2.21) drops "
        "the trailing axis of size 1 and trains; tapeviz raises the ShapeError a Dense gives "
        "any input whose last axis is not its features' (3), naming the layer, the shapes and "
        "the user's line, as Keras 2 did: an extra axis is usually data reshaped for another "
        "model (a Conv1D's), and dropping it silently hides that",
    "keras.layers.Layer/student_tf_variable_in_build":
        "tf.Variables a custom layer makes in build (the modules guide's FlexibleDenseLayer): "
        "Keras 3 (TF 2.21) does not track them, so the layer has no variables and fit leaves "
        "them at their initial values; tapeviz tracks them as Keras 2 did, and fit trains "
        "them, as for a tf.Variable attribute of a Model (keras.Model/tf_variable_attribute)",
    "keras.metrics.SparseCategoricalAccuracy/student_batches_differ":
        "SparseCategoricalAccuracy().update_state([0, 1], [[0.1, 0.9, 0.0]]), two labels and "
        "one row of predictions: TF 2.21 broadcasts the row against both labels and counts 0.5, "
        "silently; tapeviz raises a ShapeError naming sparse_categorical_accuracy, both shapes "
        "and the user's line: labels and predictions of different batches are a bug",
    "data.Dataset/sample_negative_weight":
        "Dataset.sample_from_datasets(..., weights=[-1.0, 1.0]): TF 2.21 takes the negative "
        "weight as 0, silently; tapeviz refuses it, naming sample_from_datasets and the "
        "weights: a negative probability is a mistake in the weights' arithmetic",
    "math.bincount/weights_gradient":
        "the gradient of tf.math.bincount's output with respect to its weights: TF 2.21 has "
        "none registered (LookupError: no entry for DenseBincount); tapeviz's bincount is a "
        "segment sum, so each weight gets its bin's upstream gradient, the derivative of the "
        "sum (the counts agree)",
    "train.list_variables/whole_list":
        "tf.train.list_variables of a checkpoint of loose Variables: TF lists its "
        "'_CHECKPOINTABLE_OBJECT_GRAPH' entry (the serialized object graph) first; a tapeviz "
        "checkpoint is a numpy archive of the values alone, so it has none. Every variable's "
        "name (w/.ATTRIBUTES/VARIABLE_VALUE), shape and value agree (student_read_back)",
    "train.list_variables/model_names":
        "tf.train.list_variables of a checkpoint of a Keras model: TF names a Dense's kernel "
        "by the path of Keras 3's tracked attributes "
        "(model/_functional/_operations/1/_kernel/...); tapeviz keys a model's variables by "
        "their order (model/0/..., model/1/...), as its Checkpoint saves them, and has no "
        "object-graph entry",
    "keras.optimizers.SGD/rule_decay_keras2":
        "SGD(0.1, decay=0.5): Keras 3 (TF 2.21) warns that `decay` is no longer supported and "
        "ignores it; tapeviz divides the rate by 1 + decay * iterations as Keras 2 did, so "
        "programs written for TF 2.0-2.15 train as they were tuned",
    "Tensor/hunt_round_builtin":
        "round(t) of a scalar tensor: TF 2.21 fails inside its own __round__ with an "
        "AttributeError ('EagerTensor object has no attribute astype'); tapeviz raises a "
        "TypeError naming round and what works (tf.round(t), or round(float(t)) for a number)",
    "Variable/hunt_format_spec":
        "f'{w:.3f}' of a Variable: TF 2.21 raises a TypeError (unsupported format string passed "
        "to ResourceVariable.__format__) though it formats a tensor so; tapeviz formats a "
        "variable's value as it does a tensor's: a training loop's print of its weights runs",
    "keras.optimizers.Adam/hunt_lr_keyword":
        "Adam(lr=0.01): Keras 3 (TF 2.21) refuses `lr` (Argument(s) not recognized); tapeviz "
        "takes it as Keras 2 did, with its deprecation warning, so programs written for TF "
        "2.0-2.15 run",
    "keras.Model.fit/hunt_batch_size_zero":
        "fit(x, y, batch_size=0): Keras 3 reads 0 as no batch size given and trains in batches "
        "of 32, silently; tapeviz refuses it, naming fit and batch_size: a batch size of 0 is "
        "a mistake in the arithmetic that made it",
    "keras.Model.evaluate/hunt_batch_size_zero":
        "evaluate(x, y, batch_size=0): Keras 3 reads 0 as no batch size given and evaluates "
        "in batches of 32, silently; tapeviz refuses it, naming evaluate and batch_size, as "
        "it does fit's (keras.Model.fit/hunt_batch_size_zero)",
    "keras.Model.predict/hunt_batch_size_zero":
        "predict(x, batch_size=0): Keras 3 returns an array of zeros of the output's shape, "
        "silently; tapeviz refuses it, naming predict and batch_size, as it does fit's",
    "keras.Sequential/hunt_pop_empty":
        "Sequential().pop() on a model with no layers: Keras 3 fails inside its own code with "
        "IndexError: list index out of range; tapeviz raises Keras 2's TypeError, 'There are "
        "no layers in the model.', naming Sequential.pop and the user's line",
    "keras.Sequential/hunt_grayscale_without_channel_axis":
        "a grayscale batch of shape (8, 6, 6) given to a CNN built on Input((6, 6, 1)): "
        "Keras 3 (TF 2.21) adds the missing trailing axis silently and trains; tapeviz "
        "refuses it at the user's line, naming Conv2D, the shape it got and the fix "
        "(images[..., tf.newaxis]), the step the MNIST lectures teach; the debugger's "
        "lecture bugs name it there (a batch whose channel axis was left out where it was "
        "made)",
    "keras.layers.Layer/hunt_output_shape":
        "layer.output_shape of a built model's layers: Keras 3 (TF 2.21) removed the "
        "attribute (AttributeError); tapeviz keeps Keras 2's, (None, 4, 4, 2) for a Conv2D, "
        "so a lecture's loop printing each layer's output shape runs as under TF 2.0-2.15",
    "keras.Sequential/hunt_input_and_output":
        "model.input and model.output of a Sequential built on tf.keras.Input: Keras 3 (TF "
        "2.21) raises AttributeError, 'The layer sequential has never been called and thus "
        "has no defined input', until the model is rebuilt as a functional Model; tapeviz "
        "gives the Input's and the last layer's KerasTensors, as Keras 2 did (a CNN's feature "
        "maps as a Model's outputs read them; keras.Model/hunt_feature_maps agrees)",
    "errors.InvalidArgumentError/hunt_caught_dense_features": _SHAPE_ERROR_CLASS,
    "errors.InvalidArgumentError/hunt_caught_fit_samples": _SHAPE_ERROR_CLASS,
    "errors.InvalidArgumentError/hunt_caught_sparse_loss_given_one_hot": _SHAPE_ERROR_CLASS,
    "errors.InvalidArgumentError/hunt_caught_categorical_loss_given_ids": _SHAPE_ERROR_CLASS,
    "errors.InvalidArgumentError/hunt_caught_conv2d_without_channel_axis": _SHAPE_ERROR_CLASS,
    "errors.InvalidArgumentError/hunt_caught_variable_assign_shape": _SHAPE_ERROR_CLASS,
    "GradientTape/hunt_gradient_of_python_number":
        "tape.gradient(y, 2.0), a Python number as the source (or as the target too): TF "
        "2.21 fails inside its own code with AttributeError ('float' object has no attribute "
        "'_id', or 'dtype'); tapeviz raises a DTypeError (a TypeError) naming "
        "GradientTape.gradient, what sources must be and the user's line: a number has no "
        "gradient to take, and the error should say so",
    "GradientTape/edge_source_numpy":
        "tape.gradient(y, array), a numpy array as the source: TF 2.21 fails inside its own "
        "code with AttributeError ('numpy.ndarray' object has no attribute '_id'); tapeviz "
        "raises a DTypeError (a TypeError) naming GradientTape.gradient, what sources must be "
        "and the user's line, as for a Python number (GradientTape/hunt_gradient_of_python_"
        "number)",
    "GradientTape/hunt_gradient_wrt_python_number":
        "tape.gradient(y, 2.0), a Python number as the source (or as the target too): TF "
        "2.21 fails inside its own code with AttributeError ('float' object has no attribute "
        "'_id', or 'dtype'); tapeviz raises a DTypeError (a TypeError) naming "
        "GradientTape.gradient, what sources must be and the user's line: a number has no "
        "gradient to take, and the error should say so",
}

TO_FIX: dict[str, str] = {}
