"""`minimize`: gradients of a loss, then `apply_gradients`, as TF 2's optimizers do.

`Optimizer` inherits it (and `tapeviz.train`'s TF1 optimizers, `_compute_gradients`).
"""
from __future__ import annotations

from ... import nest
from ...errors import DTypeError, InvalidArgumentError
from ...tape import GradientTape

_UNGIVEN = object()   # minimize's var_list, when the caller gave none


class Minimizing:
    """`Optimizer`'s gradients from a loss."""

    def minimize(self, loss, var_list=_UNGIVEN, grad_loss=None, name=None, tape=None):
        """Compute gradients of `loss` (a callable, or a tensor with its `tape`) and apply them.

        >>> import tapeviz as tf
        >>> w = tf.Variable(3.0)
        >>> _ = tf.keras.optimizers.SGD(0.25).minimize(lambda: w * w, [w])
        >>> w.numpy()
        np.float32(1.5)
        """
        if var_list is _UNGIVEN:   # (Python's own error would name neither it nor the line)
            raise DTypeError(f"{self.name}.minimize", "expected var_list, the variables to "
                             "train, as TF 2's minimize does; got none",
                             hint="minimize(loss_fn, model.trainable_variables), or a list "
                                  "of your variables: minimize(loss_fn, [w, b])")
        grads_and_vars = self._compute_gradients(loss, var_list, grad_loss, tape)
        return self.apply_gradients(grads_and_vars)

    def _compute_gradients(self, loss, var_list, grad_loss=None, tape=None) -> list:
        """[(gradient, variable), ...]; var_list None means every variable the loss read."""
        if not callable(loss) and tape is None:
            raise InvalidArgumentError(f"{self.name}.minimize", "`tape` is required when a "
                                       "`Tensor` loss is passed; got a loss tensor and no tape",
                                       hint="pass a callable loss (e.g. `lambda: "
                                       "loss_fn(model(x), y)`) or the GradientTape that "
                                       "recorded it: minimize(loss, var_list, tape=tape)")
        tape = tape if tape is not None else GradientTape()
        if callable(loss):
            with tape:
                if var_list is not None and not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(tape.watched_variables()) if var_list is None else nest.flatten(var_list)
        grads = tape.gradient(loss, var_list, output_gradients=grad_loss)
        return list(zip(grads, var_list))
