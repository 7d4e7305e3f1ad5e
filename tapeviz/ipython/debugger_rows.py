"""The debugger's rows (its `node` and `tape` commands) in a notebook, wrapped between words.

JupyterLab breaks a stream's line anywhere at its output's width (its `pre` breaks all), so
notebook 04's `node` row read 'nan 0 i' over 'nf 0 zeros'. In a Jupyter kernel the rows go
out as HTML that wraps at spaces, each row's later lines indented under its start; their
text/plain, a terminal's and the tests', stays the rows unchanged, one line each.
"""
import html
import re

from IPython import get_ipython
from IPython.display import display

HANGING_INDENT = 4   # characters a wrapped row's later lines start right of its first
# where a code token too long for a line may break too, as the inspector's source lines do
# (static/inspector.js: breakable): after a bracket, dot, comma or operator a name follows, and
# after a name's underscore
_BREAKABLE = re.compile(r"(?<=[^\w\s])(?=[^\W\d])|(?<=\w_)(?=\w)")   # not in 0.3438


def _row(line: str) -> str:
    indent = len(line) - len(line.lstrip(" ")) + HANGING_INDENT
    return (f'<span class="tv-debugger-row" style="display: block; padding-left: {indent}ch; '
            f'text-indent: -{indent}ch">{_breakable(line) or " "}</span>')


def _breakable(line: str) -> str:
    """`line` as HTML, a break allowed at each of _BREAKABLE's places (`<wbr>`: copied as
    nothing)."""
    return "<wbr>".join(html.escape(part) for part in _BREAKABLE.split(line))


class DebuggerRows:
    """Rows of a debugger command, as HTML that wraps between words and as plain text."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        rows = "".join(_row(line) for line in self.text.splitlines())
        # as the debugger's own text beside it (Lab's stream output) sits and reads
        return ('<pre class="tv-debugger-rows" style="white-space: pre-wrap; '
                'word-break: normal; overflow-wrap: anywhere; margin: 0; '
                'padding-left: 1ch; '
                'font-size: var(--jp-code-font-size, 13px); '
                f'line-height: var(--jp-code-line-height, 1.3077)">{rows}</pre>')

    def __repr__(self) -> str:
        return self.text


class NotebookRows:
    """A debugger mixin: `rows` shown as `DebuggerRows` in a Jupyter kernel, said elsewhere."""

    def rows(self, text: str) -> None:
        if getattr(get_ipython(), "kernel", None) is None:
            super().rows(text)
            return
        self.stdout.flush()   # what the debugger said before comes first
        display(DebuggerRows(text))
