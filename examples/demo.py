"""The demo: JupyterLab on tapeviz's notebooks, or the first notebook run headless.

By default it opens JupyterLab on `notebooks/` (your browser opens on
01_eager_basics.ipynb; press Ctrl+C to stop the server). With --headless, or where no
browser can open (no display, e.g. over SSH or in a container), it runs
notebooks/01_eager_basics.ipynb in a kernel with no front end and writes two files: the
executed notebook and the HTML export of its tape widget (one self-contained file that
opens offline in any browser).

Run: python examples/demo.py [--headless] [--out DIR]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import webbrowser

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
FIRST = "01_eager_basics.ipynb"


def open_lab() -> int:
    command = [sys.executable, "-m", "jupyter", "lab", str(NOTEBOOKS / FIRST),
               f"--ServerApp.root_dir={NOTEBOOKS}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")   # Jupyter refuses root unless told
    print("Starting JupyterLab on", NOTEBOOKS, "(Ctrl+C stops it)")
    return subprocess.call(command)


def run_headless(out: pathlib.Path) -> int:
    import nbclient
    import nbformat
    out.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(NOTEBOOKS / FIRST, as_version=4)
    print(f"Running {FIRST} headless in {out} ...")
    from traitlets.config import Config
    # CurveZMQ keys for the kernel (ipykernel's spec supports them; jupyter_client provisions
    # none by default), so it does not warn 'Kernel is running over TCP without encryption'
    encrypted = Config({"KernelManager": {"transport_encryption": "auto"}})
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", config=encrypted,
                            resources={"metadata": {"path": str(out)}}).execute()
    executed = out / FIRST
    nbformat.write(notebook, executed)
    print(f"Executed notebook: {executed}")
    exports = sorted(out.glob("*.html"))
    for export in exports:
        print(f"Tape widget export (opens offline): {export}")
    return 0 if exports else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headless", action="store_true",
                        help="run the first notebook without a browser and write its exports")
    parser.add_argument("--out", default="demo_output", help="where --headless writes")
    args = parser.parse_args(argv)
    headless = args.headless or not _can_show_a_browser()
    if headless and not args.headless:
        print("No browser can open here (no display, or none installed): running headless.")
    return run_headless(pathlib.Path(args.out).resolve()) if headless else open_lab()


def _can_show_a_browser() -> bool:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return False   # e.g. over SSH or in a container: a browser would have no screen
    try:
        webbrowser.get()
        return True
    except webbrowser.Error:
        return False


if __name__ == "__main__":
    sys.exit(main())
