"""A keyword a layer's or an optimizer's constructor does not take, refused naming the class,
the word and the argument it looks meant for: `Conv2D(16, kernal_size=3)` is told 'did you
mean kernel_size=3?' where Python's binding would say only that kernel_size is missing; and
one that `compile`/`fit`/`evaluate`/`predict` took into **kwargs but looks misspelt
(`fit(x, y, epoch=5)`: one epoch trained, and nothing said)."""
from __future__ import annotations

from ..errors import InvalidArgumentTypeError
from ..errors_keywords import keyword_refused, meant, named_parameters


def _accepted(cls, extra) -> list:
    """The keywords a `cls(...)` call may pass: every named parameter of the constructors
    along its classes (a subclass hands the rest on through **kwargs), and `extra`."""
    names = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        names += named_parameters(init)
    return list(dict.fromkeys(names)) + sorted(extra)


# how TF 2.21's Keras refuses one (a ValueError): a layer's, an optimizer's
LAYER_WORDS = "Unrecognized keyword arguments passed to {cls}: {given}"
OPTIMIZER_WORDS = "Argument(s) not recognized: {given}"


def refuse_unknown_keywords(cls, kwargs: dict, extra=(), typos_only: bool = False,
                            tf_words: str = LAYER_WORDS) -> None:
    """Raise if `kwargs` holds a keyword no constructor of `cls` names (TF 2.21's Keras
    raises ValueError, Python's binding TypeError: the error is both); with `typos_only`,
    only one close to a name it takes (a constructor may pop a keyword it does not name,
    LeakyReLU's Keras 2 `alpha`)."""
    accepted = _accepted(cls, extra)
    unknown = [name for name in kwargs if name not in accepted]
    if not unknown:
        return
    name = unknown[0]
    if typos_only and not meant(name, accepted):
        return
    said = tf_words.format(cls=cls.__name__, given={name: kwargs[name]})
    raise keyword_refused(cls.__name__, name, f"{name}={kwargs[name]!r}", accepted, said)


def refuse_misspelt_keywords(owner, method, kwargs: dict) -> None:
    """Raise if `kwargs`, what `method` of `owner` took into its **kwargs, holds a keyword
    close to one it names (Keras 3's compile, fit and predict take no other keyword: TF 2.21
    raises TypeError); one close to none, Keras 2's `workers=4`, is let pass as before."""
    accepted = named_parameters(method)
    for name in kwargs:
        if meant(name, accepted):
            raise keyword_refused(
                f"{type(owner).__name__}.{method.__name__}", name, f"{name}={kwargs[name]!r}",
                accepted, f"{method.__name__}() got an unexpected keyword argument {name!r}")


def call_keyword_refused(layer, kwargs: dict, error: TypeError) -> InvalidArgumentTypeError:
    """What `layer(x, trainng=True)` raises where Python's binding of `layer.call` said
    'Dense.call() got an unexpected keyword argument': the layer, the word and the one meant
    (`training`, `mask` and call's own arguments)."""
    word = next((name for name in kwargs if f"argument {name!r}" in str(error)), None)
    accepted = list(dict.fromkeys(named_parameters(layer.call) + ["training", "mask"]))
    given = f"{word}={kwargs[word]!r}" if word else str(error)
    return keyword_refused(f'layer "{layer.name}" ({type(layer).__name__})', word or "", given,
                           accepted, str(error), listed="its call takes")
