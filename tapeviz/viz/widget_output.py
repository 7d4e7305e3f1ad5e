"""What a TapeWidget gives outside its live view: a standalone SVG, a self-contained HTML page,
a file, one line of text for a terminal, and the static SVG a notebook keeps for viewers
with no kernel (GitHub, nbviewer). `WidgetOutput` is TapeWidget's base."""
from __future__ import annotations

import pathlib

from .export import static_block


class WidgetOutput:
    """A TapeWidget's exports and text forms, read from its traits and scene."""

    def to_svg(self) -> str:
        """The graph as drawn now, a standalone SVG document."""
        return self.svg

    def to_html(self) -> str:
        """One self-contained HTML file: the graph, pan/zoom and every node's inspector."""
        from .export import widget_html
        return widget_html(self)

    def save(self, path) -> pathlib.Path:
        """Write `to_html()` (".html") or `to_svg()` (".svg") to `path`."""
        path = pathlib.Path(path)
        text = self.to_svg() if path.suffix.lower() == ".svg" else self.to_html()
        path.write_text(text, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        """One line for terminal IPython and the text/plain fallback."""
        if not hasattr(self, "_scene"):   # asked while traitlets builds the widget
            return "<TapeWidget>"
        loss = self._tape_loss()
        summary = self.title.replace(": ", ", ", 1)
        return f"<TapeWidget: {summary}{'' if loss is None else f', loss {loss:.4g}'}>"

    def _tape_loss(self):
        """A tape's scalar the backward pass starts from (`target`, else its last output);
        None for recorded steps, whose title says their loss already."""
        tape = self._scene.tape
        if tape is None:
            return None
        target = self._scene.target
        if target is None and tape.nodes:
            target = tape.nodes[-1].output
        value = getattr(target, "_value", None)
        if value is None or getattr(value, "size", 0) != 1 or value.dtype.kind != "f":
            return None
        return float(value.reshape(()))

    def _repr_mimebundle_(self, static: bool = True, **kwargs):
        """The live widget, plus (`static`) a static SVG for viewers with no kernel (GitHub,
        nbviewer), drawn once the values are checked."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None or not static:
            return bundle
        data, metadata = bundle
        data["text/html"] = static_block(self.title, self.svg)
        return data, metadata
