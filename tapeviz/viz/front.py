"""The widgets' front code as the browser gets it: one ES module joined from the files in `static/`.

anywidget hands the browser a widget's module as text, with no URL that a relative `import`
could be resolved against, and notebooks must work offline with no build step. So each file
in `static/` imports what it uses from its siblings as ES modules do
(`import { h } from "./dom.js";`), and `module("tape.js")` joins a file and every file it
imports, each once and after the files it imports, without those import lines: the widgets'
`_esm`, and the module the HTML export inlines.
"""
from __future__ import annotations

import pathlib
import re

STATIC = pathlib.Path(__file__).parent / "static"
# an import line, with the newline before it: every file opens with its comment line, and a
# literal first character lets the search skip ahead (a `^` anchor made it 40x slower)
_SIBLING_IMPORT = re.compile(r'\nimport \{[^}]*\} from "\./([\w-]+\.js)";(?=\n)')


def module(entry: str) -> str:
    """`static/<entry>` joined with the sibling files it imports (transitively), as one module.

    >>> "export function panZoom" in module("tape.js") and "import {" not in module("tape.js")
    True
    """
    texts: dict[str, str] = {}   # each file read once, in the order it goes in

    def visit(name: str, importers: tuple) -> None:
        if name in importers:
            raise ValueError(f"front.module: {' -> '.join(importers + (name,))} imports in a "
                             "cycle; a joined module needs an order")
        if name not in texts:
            text = (STATIC / name).read_text(encoding="utf-8")
            for imported in _SIBLING_IMPORT.findall(text):
                visit(imported, importers + (name,))
            texts[name] = text

    visit(entry, ())
    return "".join(f"// ---- static/{name}\n{_SIBLING_IMPORT.sub('', text)}\n"
                   for name, text in texts.items())
