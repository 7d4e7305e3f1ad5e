"""A keyword argument a tapeviz function or class does not take, said one way everywhere:
the call, the word as given, TF's own words and the keyword meant (`keyword_refused`, which
Keras's constructors, compile/fit, layer calls and the op rows use).

A plain function or class of the TF surface (`tf.reduce_sum(x, axes=1)`,
`tf.GradientTape(persistant=True)`) is refused by Python's binding before any tapeviz code
runs: nothing of ours is on the stack to say more, and wrapping every public function would
cost each correct call a frame. So that TypeError is read where it is shown, never on a
correct call's path: `binding_refused` turns it into the same message, and the hooks below
show that in its place (sys.excepthook for a script, IPython's custom exception handler for
a cell); what `except TypeError` catches stays Python's own error.
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
    traceback = error.__traceback__
    if said is None or traceback is None:
        return None
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    frame = traceback.tb_frame
    if user_frame(frame) is not frame:   # refused inside tapeviz: not the user's call
        return None
    qualname, word = said.groups()
    refusers = _refusers(qualname, frame)
    if not refusers:
        return None
    accepted = list(dict.fromkeys(name for function in refusers.values()
                                  for name in named_parameters(function)))
    # a label made of a name TF offers ('GradientTape.gradient') before its mixin's name
    tf_words = frozenset().union(*TF_NAMES.values())
    owner = min(refusers, key=lambda label: (label.split(".")[0] not in tf_words, len(label)))
    line = linecache.getline(frame.f_code.co_filename, traceback.tb_lineno)
    source = SourceInfo(frame.f_code.co_filename, traceback.tb_lineno, frame.f_code.co_name)
    error = keyword_refused(owner, word, _given(word, line), accepted, str(error),
                            listed=f"{owner}'s keyword arguments:", source=source)
    error.function = None   # not this function's name: the user's line called `owner`
    return error.with_hint(error.hint)


def _refusers(qualname: str, frame) -> dict:
    """{how the user reaches it: function} for each public function or method of tapeviz
    whose __qualname__ is `qualname` ('Dataset.batch' for Batching.batch), unless the user's
    frame binds its name to a function of its own (their `def concat`)."""
    simple = qualname.split(".")[0]
    theirs = frame.f_locals.get(simple, frame.f_globals.get(simple))
    if inspect.isfunction(theirs) and not _ours(theirs):
        return {}
    return {label: function for label, function in _public_functions()
            if function.__qualname__ == qualname}


def _ours(item) -> bool:
    return (getattr(item, "__module__", None) or "").partition(".")[0] == "tapeviz"


def _public_functions():
    """(how the user reaches it, function) for the functions, methods and constructors that
    tapeviz's loaded modules offer under a public name: read on an error only, never kept."""
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] != "tapeviz" or module is None:
            continue
        for attribute, item in list(vars(module).items()):
            if attribute.startswith("_") or not _ours(item):
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


def show_in_place(hook):
    """`hook` (sys.excepthook's signature) that shows a binding error of a tapeviz function
    as `binding_refused` says it, and anything else as `hook` did."""
    def excepthook(kind, error, traceback):
        better = binding_refused(error)
        if better is None:
            return hook(kind, error, traceback)
        return hook(type(better), better, traceback)
    excepthook.shows_keywords = True
    return excepthook


def install_excepthook() -> None:
    """Show a script's misspelt keyword to a tapeviz function as tapeviz says it (once)."""
    if not getattr(sys.excepthook, "shows_keywords", False):
        sys.excepthook = show_in_place(sys.excepthook)


def install_in_ipython(shell) -> None:
    """The same for a cell, through IPython's custom exception handler, unless another has
    one (IPython keeps one): the cell's TypeError shown as IPython shows any, %pdb as well."""
    if shell.custom_exceptions:
        return

    def shown(shell, kind, error, traceback, tb_offset=None):
        better = binding_refused(error)
        exc_tuple = None if better is None else (type(better), better, traceback)
        shell.showtraceback(exc_tuple, tb_offset=tb_offset, running_compiled_code=True)

    shell.set_custom_exc((TypeError,), shown)


__all__ = ["binding_refused", "install_excepthook", "install_in_ipython", "keyword_refused",
           "meant", "named_parameters"]
