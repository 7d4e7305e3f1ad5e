"""What the inspector says first of a node whose value holds NaN or Inf: that it was born here
(sent to the alert above it, which says how and the fix: its whole message said again pushed
the inspector's Source and Op sections off an 800 px window), or
that it was not made here and came from upstream, naming the op and line it was born at, with
a link to that node.

A student clicks the red node they see, usually the loss at the bottom of the graph; the
alert above the graph names another node. Said beside the value, the inspector sends them
to the op that made it instead of leaving them to compare the two. Shaped as an alert
(`{kind, label, message, node}`), so inspector.js draws it as the alert list does. Where it
was born is the alert's `born` (`born_words`, from the finding's node and line), never cut
out of the message: a message's '; ' may sit in the user's line or in a path.
"""
from __future__ import annotations

from ..debugger.nan_entry import written_input
from ..debugger.summary import all_finite


def nan_note(node_id: str, graph_node, alerts: list) -> dict | None:
    """The note on `graph_node` (id `node_id`) from the widget's `alerts`, or None when its
    value holds no NaN/Inf or no alert says where one was born.

    >>> alert = {"kind": "nan", "label": "NaN", "node": "n2", "message": "log produced nan "
    ...          "at op 3 of the tape (a.py:3: y = tf.math.log(x)); fix: log is defined for x > 0",
    ...          "born": "log made NaN at a.py:3: y = tf.math.log(x)"}
    >>> class Box: bad_value = True
    >>> born = nan_note("n2", Box(), [alert])
    >>> born["label"], born["message"]
    ('NaN born here', 'this op made it; the NaN alert above says how, and the fix')
    >>> note = nan_note("n5", Box(), [alert])
    >>> note["label"], note["node"]
    ('NaN not made here', 'n2')
    >>> note["message"]
    'it came from upstream: log made NaN at a.py:3: y = tf.math.log(x)'
    """
    if not getattr(graph_node, "bad_value", False):
        return None
    alert = next((a for a in alerts if a["kind"] == "nan"), None)
    if alert is None:
        return None
    if alert["node"] == node_id:   # the alert's whole message once, in the banner above
        return {"kind": "nan", "label": f"{alert['label']} born here",
                "message": f"this op made it; the {alert['label']} alert above says how, and "
                           "the fix", "node": ""}
    return {"kind": "nan", "label": f"{alert['label']} not made here",
            "message": f"it came from upstream: {alert['born']}", "node": alert["node"]}


def born_words(finding, label: str) -> str:
    """Where a NaN/Inf `finding`'s value was born, told from its node and line: 'log made NaN
    at a.py:3: y = tf.math.log(x)', or, for an op that was given it from outside (the data, a
    variable's value) rather than made it, 'matmul was given NaN at ...', 'matmul was given
    NaN in `images` at ...' when the user's line shows what it passed (written_input).
    `label` is what the alert calls the value ('NaN', '-inf')."""
    node, source = finding.node, finding.source
    op = "an op" if node is None else getattr(node.op, "name", None) or str(node.op)
    given = None if node is None else next(
        (i for i, x in enumerate(node.inputs) if not all_finite(x)), None)
    if given is None:
        what = f"made {label}"
    else:
        written = written_input(node, given)
        what = f"was given {label}" + (f" in `{written}`" if written else "")
    where = "" if source is None else f" at {source.location}" + (
        f": {source.line}" if source.line else "")
    return f"{op} {what}{where}"
