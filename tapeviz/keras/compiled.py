"""What `compile` makes of its loss and metrics: the total loss `fit` differentiates, and
the metrics it updates each batch.

`CompiledLoss` adds the layers' losses to the compiled one and keeps their running mean as
'loss'; `CompiledMetrics` resolves each metric on the first batch (which accuracy
'accuracy' means depends on the labels' and predictions' shapes). `Trainer` (training.py)
holds one of each.
"""
from __future__ import annotations

from ..errors import InvalidArgumentError
from ..ops.math import add_v2 as add   # the op itself: tf.add's checks are for user input
from ..tensor import Tensor


class _Named:
    """A metric shown under the name the user gave in `compile` (e.g. 'acc')."""

    def __init__(self, metric, name: str):
        self.metric, self.name = metric, name
        self._direction = getattr(metric, "_direction", None)   # for EarlyStopping's mode

    def update_state(self, y_true, y_pred, sample_weight=None):
        return self.metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()


class CompiledLoss:
    """The compiled loss plus the layers' losses; it tracks their mean as 'loss'."""

    def __init__(self, loss):
        from . import losses, metrics
        if isinstance(loss, (list, dict)):
            raise NotImplementedError("compile: one loss for one output is supported; got "
                                      f"{type(loss).__name__}")
        fn = losses.get(loss)
        if fn is not None and not isinstance(fn, losses.Loss):
            fn = losses.LossFunctionWrapper(fn, name=getattr(fn, "__name__", None))
        self.loss = fn
        self.metric = metrics.Mean(name="loss")

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None,
                 track=True):
        """The total loss; `track` adds it to the 'loss' mean (fit's own steps do; a
        custom train_step's `compute_loss` does not, as in Keras 3)."""
        terms = [] if self.loss is None else [self.loss(y_true, y_pred,
                                                        sample_weight=sample_weight)]
        terms += list(regularization_losses or [])
        if not terms:
            raise InvalidArgumentError("compile", "No loss to compute. Provide a `loss` "
                                       "argument in `compile()`; got loss=None")
        total = terms[0]
        for term in terms[1:]:
            total = add(total, term)
        if track:
            batch = int(y_pred.shape[0]) if isinstance(y_pred, Tensor) and y_pred.ndim else 1
            self.metric.update_state(total, sample_weight=batch)
        return total


class CompiledMetrics:
    """The metrics given to `compile`, each resolved on the first batch (Keras picks the
    accuracy for 'accuracy' from the label and prediction shapes)."""

    name = "compile_metrics"   # Keras 3's: what a custom train_step meets before the first batch

    def __init__(self, metrics, loss=None):
        if isinstance(metrics, dict):
            raise NotImplementedError("compile: metrics for named outputs are not supported")
        self._identifiers = list(metrics or [])
        self._loss = loss
        self.metrics = None

    @property
    def built(self) -> bool:
        return self.metrics is not None or not self._identifiers

    def result(self) -> dict:
        return {metric.name: metric.result() for metric in self.metrics or []}

    def _build(self, y_true, y_pred) -> None:
        self.metrics = [_resolve_metric(m, y_true, y_pred, self._loss) for m in self._identifiers]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if self.metrics is None:
            self._build(y_true, y_pred)
        for metric in self.metrics:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self) -> None:
        for metric in self.metrics or []:
            metric.reset_state()


def _resolve_metric(identifier, y_true, y_pred, loss=None):
    """A metric object for a compile() entry, shown under the name the user gave."""
    from . import metrics
    metric = metrics.resolve(identifier, y_true, y_pred, loss=loss)
    if isinstance(identifier, str) and metric.name != identifier:
        return _Named(metric, identifier)
    return metric
