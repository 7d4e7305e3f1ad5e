"""Cases for every Keras 3 optimizer tapeviz has, in each of its forms (SGD plain, with
momentum and Nesterov; Adam and AMSGrad; AdamW; RMSprop plain, centered and with momentum;
Adagrad), crossed with each constructor argument beyond the rate: `weight_decay`,
`use_ema` (its averages swapped in by `finalize_variable_values`), `clipnorm`, `clipvalue`
and `global_clipnorm`; and each in `fit` with weight decay, clipping and the moving
average at once. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

from .cases import add_case
from .cases_optimizer_args import _fit_with, _steps

FORMS = {  # name: (class, its own arguments)
    "SGD": ("SGD", {"learning_rate": 0.1}),
    "SGD_momentum": ("SGD", {"learning_rate": 0.1, "momentum": 0.8}),
    "SGD_nesterov": ("SGD", {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}),
    "Adam": ("Adam", {"learning_rate": 0.05}),
    "Adam_amsgrad": ("Adam", {"learning_rate": 0.05, "amsgrad": True}),
    "AdamW": ("AdamW", {"learning_rate": 0.05}),
    "RMSprop": ("RMSprop", {"learning_rate": 0.02}),
    "RMSprop_centered": ("RMSprop", {"learning_rate": 0.02, "centered": True}),
    "RMSprop_momentum": ("RMSprop", {"learning_rate": 0.02, "momentum": 0.5}),
    "Adagrad": ("Adagrad", {"learning_rate": 0.1}),
}
ARGUMENTS = {
    "weight_decay": {"weight_decay": 0.1},
    "use_ema": {"use_ema": True, "ema_momentum": 0.7},
    "clipnorm": {"clipnorm": 0.3},
    "clipvalue": {"clipvalue": 0.1},
    "global_clipnorm": {"global_clipnorm": 0.4},
}


def _made(kind: str, arguments: dict):
    return lambda tf: getattr(tf.keras.optimizers, kind)(**arguments)


for _form, (_kind, _own) in FORMS.items():
    for _argument, _extra in ARGUMENTS.items():
        add_case(f"keras.optimizers.{_kind}/matrix_{_form}_{_argument}",
                 lambda tf, _k=_kind, _a={**_own, **_extra}: _steps(
                     tf, _made(_k, _a), steps=4, finalize="use_ema" in _a), grad=False)
    add_case(f"keras.optimizers.{_kind}/matrix_{_form}_fit_all", _fit_with(_made(
        _kind, {**_own, "weight_decay": 0.05, "clipnorm": 0.5, "use_ema": True,
                "ema_momentum": 0.6})), grad=False)
