"""An optimizer applied step by step with or without a listener: the harness of the tests
that check an update heard gives the values an unheard one gives."""
import tapeviz as tf


def applied(optimizer, grads: list, variables: list, heard: bool) -> list:
    """Apply each of `grads` to `variables`; the op names a subscriber heard (none unheard)."""
    seen = []
    handle = tf.subscribe(lambda event: seen.append(event.node.op.name)) if heard else None
    try:
        for g in grads:
            optimizer.apply_gradients(zip(g, variables))
    finally:
        if handle is not None:
            tf.unsubscribe(handle)
    return seen
