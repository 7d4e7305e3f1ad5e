"""What the notebooks' text tells a newcomer about what they will see."""
import json
import pathlib

NOTEBOOKS = pathlib.Path(__file__).parent.parent / "notebooks"


def test_notebook_01_says_its_export_keeps_the_half_stepped_view_and_how_to_save_the_whole():
    """The demo's eager_basics.html, opened in a browser, showed every variable dashed
    ('none reached it') because the export was saved two steps into the backward pass, and
    the text before it said nothing of it."""
    cells = json.loads((NOTEBOOKS / "01_eager_basics.ipynb").read_text())["cells"]
    saving = next(i for i, cell in enumerate(cells)
                  if cell["cell_type"] == "code" and "widget.save(" in "".join(cell["source"]))
    before = "".join(cells[saving - 1]["source"])
    assert "two steps into the backward pass" in before
    assert "widget.continue_()" in before


def test_notebook_04_says_how_to_install_torch_in_the_clone_readmes_first_command_made():
    """In the venv of README's first command (no torch), notebook 04 stops at `import
    torch`; its text named only `pip install "tapeviz[torch]"`, not the clone's
    `.venv/bin/pip install -e ".[torch]"`, nor the restart."""
    cells = json.loads((NOTEBOOKS / "04_pytorch_debugging.ipynb").read_text())["cells"]
    said = "".join(cells[0]["source"])
    assert '.venv/bin/pip install -e ".[torch]"' in said
    assert "restart the kernel" in said and "No module named 'torch'" in said
