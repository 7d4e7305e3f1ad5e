"""Cases whose result differs from TensorFlow's, each with its reason. Never skipped: the
replay asserts each still differs (a strict xfail), so a fix or a TF change shows.

DELIBERATE: tapeviz's choice; each is a row of README's "Differences from TensorFlow" table
(test_tf_fidelity checks the case name is there). TO_FIX: a difference still to fix, in a
file outside the fidelity suite's owner's part, named in the reason.
"""
DELIBERATE: dict[str, str] = {
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
    "keras.losses.serialize/round_trip":
        "Keras 3's Huber.get_config leaves out delta, so a serialized Huber(delta=0.5) comes "
        "back with delta 1.0; tapeviz's config keeps it",
}

TO_FIX: dict[str, str] = {
    "Variable/names_kept":
        "TF 2 eager keeps a variable's name as given ('w:0' every time); tapeviz still adds "
        "'_1', '_2' (tensor.py _unique_variable_name) because the debugger keys variables by "
        "name (debugger/history.py step.variables, recorder.py, divergence.py: edited by "
        "another engineer): with TF's names the lecture regression's two unnamed variables "
        "are both 'Variable:0' and its Recorder gave a false divergence alert. Fix: key them "
        "by the variable, then name as TF",
}
