"""What the inspector says first of a node whose value holds NaN or Inf: that it was born here
(the NaN alert's whole message: the op, the user's line, what its inputs held, the fix), or
that it was not made here and came from upstream, naming where it was born in the alert's
own words, with a link to that node.

A student clicks the red node they see, usually the loss at the bottom of the graph; the
alert above the graph names another node. Said beside the value, the inspector sends them
to the op that made it instead of leaving them to compare the two. Shaped as an alert
(`{kind, label, message, node}`), so inspector.js draws it as the alert list does.
"""
from __future__ import annotations


def nan_note(node_id: str, graph_node, alerts: list) -> dict | None:
    """The note on `graph_node` (id `node_id`) from the widget's `alerts`, or None when its
    value holds no NaN/Inf or no alert says where one was born.

    >>> alert = {"kind": "nan", "label": "NaN", "node": "n2", "message": "log produced nan "
    ...          "at tape entry #2 (a.py:3: y = tf.math.log(x)); fix: log is defined for x > 0"}
    >>> class Box: bad_value = True
    >>> nan_note("n2", Box(), [alert])["label"]
    'NaN born here'
    >>> note = nan_note("n5", Box(), [alert])
    >>> note["label"], note["node"]
    ('NaN not made here', 'n2')
    >>> note["message"]
    'it came from upstream: log produced nan at tape entry #2 (a.py:3: y = tf.math.log(x))'
    """
    if not getattr(graph_node, "bad_value", False):
        return None
    alert = next((a for a in alerts if a["kind"] == "nan"), None)
    if alert is None:
        return None
    if alert["node"] == node_id:
        return {"kind": "nan", "label": f"{alert['label']} born here",
                "message": alert["message"], "node": ""}
    return {"kind": "nan", "label": f"{alert['label']} not made here",
            "message": f"it came from upstream: {_first_clause(alert['message'])}",
            "node": alert["node"]}


def _first_clause(message: str) -> str:
    """What happened where it was born, without the counts and the fix that belong there: the
    message up to its first '; ' outside brackets (the user's line, in them, may hold one).

    >>> _first_clause("exp overflowed (a.py:2: y = f(a); z = 1); 3 inf; fix: scale")
    'exp overflowed (a.py:2: y = f(a); z = 1)'
    """
    depth = 0
    for at, char in enumerate(message):
        depth += (char in "([{") - (char in ")]}")
        if depth == 0 and message.startswith("; ", at):
            return message[:at]
    return message
