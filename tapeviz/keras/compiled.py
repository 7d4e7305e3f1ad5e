"""What `compile` makes of its loss and metrics: the total loss `fit` differentiates, and
the metrics it updates each batch.

`CompiledLoss` adds the layers' losses to the compiled one and keeps their running mean as
'loss'; `CompiledMetrics` resolves each metric on the first batch (which accuracy
'accuracy' means depends on the labels' and predictions' shapes). `Trainer` (training.py)
holds one of each.
"""
from __future__ import annotations

from ..errors import InvalidArgumentError, bad_argument
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


def _loss_weight(loss_weights):
    """compile's loss_weights for one output as Keras 3 takes them: a float, or a list,
    tuple or dict of one float; None: 1."""
    if loss_weights is None:
        return None
    if not isinstance(loss_weights, (list, tuple, dict, float)):   # Keras 3 refuses an int
        raise bad_argument("compile", "loss_weights", "a float, or a list, tuple or dict of "
                           "them (one per output)", loss_weights, InvalidArgumentError)
    weights = list(loss_weights.values()) if isinstance(loss_weights, dict) else (
        list(loss_weights) if isinstance(loss_weights, (list, tuple)) else [loss_weights])
    if len(weights) != 1:
        raise InvalidArgumentError("compile", f"`loss_weights` must match the number of losses, "
                                              f"got 1 loss and {len(weights)} weights")
    return float(weights[0])


class CompiledLoss:
    """The compiled loss (times its `loss_weights`) plus the layers' losses; it tracks their
    mean as 'loss'."""

    def __init__(self, loss, loss_weights=None):
        from . import losses, metrics
        if isinstance(loss, (list, dict)):
            raise NotImplementedError("compile: one loss for one output is supported; got "
                                      f"{type(loss).__name__}")
        self.weight = _loss_weight(loss_weights)
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
        if terms and self.weight is not None:
            terms[0] = terms[0] * self.weight
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
    """The metrics and weighted_metrics given to `compile`, each resolved on the first batch
    (Keras picks the accuracy for 'accuracy' from the label and prediction shapes). As in
    Keras, `metrics` ignore the sample weights (class_weight's too) and `weighted_metrics`
    take them; a weighted one named as an unweighted one is shown as 'weighted_<name>'."""

    name = "compile_metrics"   # Keras 3's: what a custom train_step meets before the first batch

    def __init__(self, metrics, loss=None, weighted_metrics=None):
        if isinstance(metrics, dict) or isinstance(weighted_metrics, dict):
            raise NotImplementedError("compile: metrics for named outputs are not supported")
        from . import metrics as _metrics
        self._identifiers = list(metrics or [])
        self._weighted = list(weighted_metrics or [])
        for identifier in self._identifiers + self._weighted:
            _metrics.check(identifier)
        self._loss = loss
        self.metrics = None
        self._unweighted_count = 0

    @property
    def built(self) -> bool:
        return self.metrics is not None or not (self._identifiers or self._weighted)

    def result(self) -> dict:
        return {metric.name: metric.result() for metric in self.metrics or []}

    def _build(self, y_true, y_pred) -> None:
        """Each metric resolved, under a name of its own as Keras 3 names them in the logs:
        a second 'mae' is 'mae_1', a weighted 'accuracy' beside an unweighted one
        'weighted_accuracy'."""
        counts: dict = {}

        def unique(identifier, weighted: bool):
            metric = _resolve_metric(identifier, y_true, y_pred, self._loss)
            name = metric.name
            if weighted and name in counts:
                name = f"weighted_{name}"
            if name in counts:
                counts[name] += 1
                name = f"{name}_{counts[name] - 1}"
            counts.setdefault(name, 1)
            return metric if name == metric.name else _Named(metric, name)

        unweighted = [unique(m, False) for m in self._identifiers]
        weighted = [unique(m, True) for m in self._weighted]
        self.metrics, self._unweighted_count = unweighted + weighted, len(unweighted)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if self.metrics is None:
            self._build(y_true, y_pred)
        for i, metric in enumerate(self.metrics):
            metric.update_state(y_true, y_pred, sample_weight=sample_weight
                                if i >= self._unweighted_count else None)

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
