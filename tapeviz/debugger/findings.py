"""What a debugger function reports: one `Finding` per problem, with the op and the line."""
from __future__ import annotations


class Finding:
    """One diagnosis: `kind`, a `message` with the figures, the node and user line it names."""

    def __init__(self, kind: str, message: str, node=None, source=None, related=None,
                 variables=()):
        self.kind = kind
        self.message = message
        self.node = node
        self.source = source if source is not None or node is None else node.source
        self.related = related          # a second line involved (e.g. where a value left)
        self.variables = tuple(variables)   # names of the variables it concerns

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"<Finding {self.kind}: {self.message}>"
