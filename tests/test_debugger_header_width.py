"""The lines a debugger session opens with (why it stopped; the names and commands at hand) are
wrapped between words at 79 columns. JupyterLab's output breaks a line anywhere at its width
(107 columns at 1280x800): notebook 04's header read 'torch.arange(len' over '(labels))' and
'nextv' over 'jp'; a terminal of 80 columns does the same."""
from test_breakpoints import _run

from tapeviz.debugger.session import HEADER_WIDTH


def header(out: str) -> list:
    """The session's lines before its first frame ('> file(line)...')."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("tapeviz breakpoint:"))
    end = next(i for i, line in enumerate(lines) if line.startswith("> "))
    return lines[start:end]


def test_the_session_header_is_wrapped_between_words(tmp_path):
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="pdb", stdin="continue\n")
    assert result.returncode == 0, result.stderr
    lines = header(result.stdout)
    assert HEADER_WIDTH == 79
    assert all(len(line) <= HEADER_WIDTH for line in lines), lines
    text = " ".join(line.strip() for line in lines)
    assert "matched op='exp'" in text and "nextop, nextvjp, continue" in text, text
    assert lines[1].startswith("  "), lines   # a wrapped line is indented under its start
    names = next(i for i, line in enumerate(lines) if line.startswith("names: "))
    assert names > 0 and all(line.startswith("  ") for line in lines[names + 1:]), lines
