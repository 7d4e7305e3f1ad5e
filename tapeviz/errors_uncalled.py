"""A class written where one of its objects was meant: `with tf.GradientTape as tape:` (the
parentheses forgotten) is Python's "'type' object does not support the context manager
protocol", naming neither the class nor the fix. Read where it is shown (errors_shown.py),
never on a tape's path: a metaclass saying it would cost every tape's making."""
from __future__ import annotations

import re

from .errors import InvalidArgumentTypeError
from .errors_keywords import ours, user_call

_NO_CONTEXT = "'type' object does not support the context manager protocol"
_WITH = re.compile(r"\bwith\s+([\w.]+)\s*(?:as\b|:)")


def entered_uncalled(error: BaseException) -> InvalidArgumentTypeError | None:
    """What Python's refusal of `with tf.GradientTape as tape:` says as tapeviz says it, when
    the class given to `with` is tapeviz's; else None."""
    if type(error) is not TypeError or str(error) != _NO_CONTEXT:
        return None
    call = user_call(error)
    written = _WITH.search(call[1]) if call is not None else None
    if written is None:
        return None
    frame, line, source = call
    written = written.group(1)
    first, *attributes = written.split(".")
    item = frame.f_locals.get(first, frame.f_globals.get(first))
    for attribute in attributes:   # tf.GradientTape: a module's attribute, read as Python did
        item = getattr(item, attribute, None)
    if not (isinstance(item, type) and ours(item) and hasattr(item, "__enter__")):
        return None
    name = item.__name__
    fixed = re.sub(rf"\bwith\s+{re.escape(written)}\b", f"with {written}()", line.strip(), count=1)
    error = InvalidArgumentTypeError(
        name, f"`with` was given the class {name} itself, not a {name} object; in Python's "
              f"words: {_NO_CONTEXT}", hint=f"call it to make one: {fixed}", source=source)
    error.function = None   # not this function's name: the user's line wrote `name`
    return error.with_hint(error.hint)


__all__ = ["entered_uncalled"]
