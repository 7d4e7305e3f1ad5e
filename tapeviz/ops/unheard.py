"""Whether nobody can tell that registry rows ran straight, without dispatch: the one test of
every path that skips ops while unobserved (relu's gradient folded into a conv's,
`relu_fold.py`; reduce_sum/reduce_mean's and the sparse cross-entropy's VJPs in numpy), so
they agree on who could see."""
from __future__ import annotations

from ..threadstate import local


def unheard(*ops) -> bool:
    """Whether running `ops` straight is what dispatch would do: no tape, Recorder, layer
    listener or trace on this thread, and nobody hearing any of `ops`."""
    state = local.state
    return not (state.tapes or state.sink is not None or state.layer_listeners or state.traced
                or any(op.route.heard for op in ops))
