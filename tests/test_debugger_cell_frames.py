"""A breakpoint's debugger names a notebook cell as IPython's tracebacks do, a file as pdb."""
import re
import sys

import pytest

from tapeviz.debugger.session import make_pdb

CELL = "import sys\ndef f():\n    return sys._getframe()\nframe = f()\nhere = sys._getframe()\n"


@pytest.fixture
def cell_frames():
    """Frames of a cell IPython ran: one in a function it defines, one at its top level."""
    from IPython.testing.globalipapp import get_ipython
    ip = get_ipython()
    result = ip.run_cell(CELL)
    assert result.success
    return result.execution_count, ip.user_ns["frame"], ip.user_ns["here"]


@pytest.mark.parametrize("which", ["pdb", "ipython"])
def test_a_cells_frames_read_cell_in_n_line_and_function(cell_frames, which):
    count, in_function, top_level = cell_frames
    debugger = make_pdb(which, None)
    function = debugger.format_stack_entry((in_function, 3))
    module = debugger.format_stack_entry((top_level, 5))
    assert function.lstrip().startswith(f"Cell In[{count}], line 3, in f()"), function
    assert module.lstrip().startswith(f"Cell In[{count}], line 5"), module
    assert "in <module>" not in module and "<ipython-input" not in function + module
    assert "return sys._getframe()" in function          # the cell's source is still shown


@pytest.mark.parametrize("which", ["pdb", "ipython"])
def test_a_files_frame_reads_as_pdb_says_it(which):
    frame = sys._getframe()
    lineno = frame.f_lineno
    entry = make_pdb(which, None).format_stack_entry((frame, lineno))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", entry)
    assert f"{__file__}({lineno})test_a_files_frame_reads_as_pdb_says_it()" in plain
    assert "Cell In" not in plain
