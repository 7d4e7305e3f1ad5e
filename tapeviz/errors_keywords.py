"""A keyword argument a tapeviz function or class does not take, said one way everywhere:
the call, the word as given, TF's own words and the keyword meant (`keyword_refused`, which
Keras's constructors, compile/fit, layer calls and the op rows use).

A plain function or class of the TF surface (`tf.reduce_sum(x, axes=1)`,
`tf.GradientTape(persistant=True)`) is refused by Python's binding before any tapeviz code
runs: nothing of ours is on the stack to say more, and wrapping every public function would
cost each correct call a frame. So that TypeError is read where it is shown, never on a
correct call's path: `binding_refused` turns it into the same message, which errors_shown.py
shows in its place; what `except TypeError` catches stays Python's own error.
"""
from __future__ import annotations

import difflib
import inspect
import linecache
import re
import sys

from .errors import InvalidArgumentTypeError
from .sourceinfo import SourceInfo, user_frame
from .tf_names import TF_NAMES

# Python's words when a call passes a keyword its function does not name
_UNEXPECTED = re.compile(r"^([\w.]+)\(\) got an unexpected keyword argument '(\w+)'$")


def keyword_refused(owner: str, word: str, given: str, accepted, tf_words: str,
                    listed: str = "", cutoff: float = 0.75,
                    source: SourceInfo | None = None) -> InvalidArgumentTypeError:
    """The error for `word` (`given` is how the call passed it: 'axes=1') refused by `owner`:
    the keyword among `accepted` it looks meant for, else `listed` (`'Dense takes'`)
    followed by every keyword accepted."""
    close = meant(word, accepted, cutoff)
    value = given[len(word):] if given.startswith(word) else ""
    hint = (f"did you mean {close}{value}?" if close else
            f"{listed or owner + ' takes'} {', '.join(accepted)}")
    return InvalidArgumentTypeError(
        owner, f"keyword argument not understood: {given}; in TensorFlow's words: {tf_words}",
        hint=hint, source=source)


def meant(word: str, accepted, cutoff: float = 0.75) -> str | None:
    """The keyword among `accepted` that `word` looks a misspelling of, or None."""
    close = difflib.get_close_matches(word, list(accepted), n=1, cutoff=cutoff)
    return close[0] if close else None


def named_parameters(function) -> list:
    """The parameters `function` takes by keyword, but `self`."""
    return [p.name for p in inspect.signature(function).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"]


def binding_refused(error: BaseException) -> InvalidArgumentTypeError | None:
    """What Python's 'reduce_sum() got an unexpected keyword argument 'axes'' says as tapeviz
    says it, when the function refused is tapeviz's and the user's line called it; else None.
    """
    said = _UNEXPECTED.match(str(error)) if type(error) is TypeError else None
    call = user_call(error) if said is not None else None
    if call is None:
        return None
    frame, line, source = call
    qualname, word = said.groups()
    refusers = _refusers(qualname, frame)
    if not refusers:
        return None
    accepted = list(dict.fromkeys(name for function in refusers.values()
                                  for name in named_parameters(function)))
    # a label made of a name TF offers ('GradientTape.gradient') before its mixin's name
    tf_words = frozenset().union(*TF_NAMES.values())
    owner = min(refusers, key=lambda label: (label.split(".")[0] not in tf_words, len(label)))
    error = keyword_refused(owner, word, _given(word, line), accepted, str(error),
                            listed=f"{owner}'s keyword arguments:", source=source)
    error.function = None   # not this function's name: the user's line called `owner`
    return error.with_hint(error.hint)


def user_call(error: BaseException):
    """(frame, line's text, SourceInfo) of the user's line that raised `error` itself (the
    innermost frame of its traceback, Python's refusal of a call), or None when that frame is
    tapeviz's own."""
    traceback = error.__traceback__
    if traceback is None:
        return None
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    frame = traceback.tb_frame
    if user_frame(frame) is not frame:   # refused inside tapeviz: not the user's call
        return None
    code = frame.f_code
    return (frame, linecache.getline(code.co_filename, traceback.tb_lineno),
            SourceInfo(code.co_filename, traceback.tb_lineno, code.co_name))


def _refusers(qualname: str, frame) -> dict:
    """{how the user reaches it: function} for each public function or method of tapeviz
    whose __qualname__ is `qualname` ('Dataset.batch' for Batching.batch), unless the user's
    frame binds its name to a function of its own (their `def concat`)."""
    simple = qualname.split(".")[0]
    theirs = frame.f_locals.get(simple, frame.f_globals.get(simple))
    if inspect.isfunction(theirs) and not ours(theirs):
        return {}
    return {label: function for label, function in _public_functions()
            if function.__qualname__ == qualname}


def ours(item) -> bool:
    """Whether `item` is tapeviz's (a class or function of its modules)."""
    return (getattr(item, "__module__", None) or "").partition(".")[0] == "tapeviz"


def _public_functions():
    """(how the user reaches it, function) for the functions, methods and constructors that
    tapeviz's loaded modules offer under a public name: read on an error only, never kept."""
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] != "tapeviz" or module is None:
            continue
        for attribute, item in list(vars(module).items()):
            if attribute.startswith("_") or not ours(item):
                continue
            if inspect.isfunction(item):
                yield item.__name__, item
            elif inspect.isclass(item):
                for method_name in dir(item):
                    method = inspect.getattr_static(item, method_name)
                    if inspect.isfunction(method) and (method_name == "__init__"
                                                       or not method_name.startswith("_")):
                        yield (item.__name__ if method_name == "__init__" else
                               f"{item.__name__}.{method_name}"), method


def _given(word: str, line: str) -> str:
    """`word=<its value as the user's line spells it>`, or the word alone if the line does
    not show it (a call spread over lines)."""
    found = re.search(rf"\b{word}\s*=(?!=)\s*", line)
    if found is None:
        return word
    depth, end = 0, found.end()
    for end in range(found.end(), len(line)):
        char = line[end]
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char in ",)]}\n#" and not depth:
            break
    else:
        end = len(line)
    value = line[found.end():end].strip()
    return f"{word}={value}" if value else word


__all__ = ["binding_refused", "keyword_refused", "meant", "named_parameters", "user_call"]
