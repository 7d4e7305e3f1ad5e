"""`tapeviz.keras`: Keras-like layers, models, losses, optimizers, metrics and datasets.

Submodules load on first use (PEP 562), so `import tapeviz` stays quick.
"""
import importlib

_SUBMODULES = {"activations", "backend", "callbacks", "datasets", "initializers", "layers",
               "losses", "metrics", "models", "optimizers", "utils"}
_FROM_MODELS = {"Model", "Sequential"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FROM_MODELS:
        return getattr(importlib.import_module(f"{__name__}.models"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(_SUBMODULES | _FROM_MODELS)
