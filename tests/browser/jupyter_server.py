"""The Jupyter side of the browser tests: a throwaway JupyterLab or Notebook 7 server, its
config, data, runtime and IPython dirs in a temp dir, and notebooks written and run headless.

`JupyterServer` starts JupyterLab (``app="lab"``) or Notebook 7 (``app="notebook"``) on a free
loopback port with a random token, all Jupyter/IPython config, data and runtime dirs in a temp
dir, a ``python3`` kernelspec pointing at this interpreter (so notebooks import tapeviz from
this venv) and, as root dir, a temp copy of the given notebooks. `jupyter_environment` is that
set-up alone, `write_notebook` writes code cells as a notebook, and `execute_cells` runs cells
as ``nbconvert --execute`` does, with no browser. harness.py drives a browser against them.
"""
import http.client
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def jupyter_environment(tmp, theme="light") -> dict:
    """os.environ with Jupyter's and IPython's dirs under `tmp`, a "python3" kernel that is
    this interpreter, no news toast, no kernel-picker dialog, and JupyterLab's `theme`
    ("light" or "dark"; Notebook 7 reads the same setting)."""
    tmp = pathlib.Path(tmp)
    env = dict(os.environ)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        env[var] = str(tmp / sub)
        (tmp / sub).mkdir()
    kernel = tmp / "data" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tapeviz)", "language": "python",
        "metadata": {"supported_encryption": ["curve"]}}))   # as ipykernel's own spec says
    # no "receive Jupyter news?" toast covering the notebook; and a notebook without
    # kernelspec metadata starts the default kernel instead of a kernel-picker dialog
    for plugin, settings in (("apputils-extension/notification", {"fetchNews": "false"}),
                             ("notebook-extension/tracker", {"autoStartDefaultKernel": True}),
                             ("apputils-extension/themes", {"theme": THEMES[theme]})):
        path = tmp / f"config/lab/user-settings/@jupyterlab/{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    return env


def execute_cells(tmp, cells: list):
    """A notebook of `cells` (code) run by nbclient in a real "python3" kernel that is this
    interpreter, in Jupyter dirs under `tmp`, as `nbconvert --execute` runs one; returns it."""
    import nbclient
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = jupyter_environment(tmp)
    saved = {var: os.environ.get(var) for var in JUPYTER_DIRS}
    os.environ.update({var: env[var] for var in JUPYTER_DIRS})
    try:
        nbclient.NotebookClient(nb, timeout=120, startup_timeout=KERNEL_START,
                                kernel_name="python3", config=kernel_config()).execute()
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
    return nb


def write_notebook(path, cells):
    """Write code `cells` (strings) as a notebook at `path` for the default python3 kernel."""
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source.strip()) for source in cells]
    nbformat.write(nb, path)
    return path


def kernel_config():
    """nbclient's config for the kernels it starts: CurveZMQ keys provisioned where the
    kernelspec declares support, so ipykernel (7.4) does not warn 'Kernel is running over TCP
    without encryption' at each start (jupyter_client's default provisions none)."""
    from traitlets.config import Config
    return Config({"KernelManager": {"transport_encryption": "auto"}})


KERNEL_START = 180   # s a kernel may take to start (nbclient's default, 60, is short at load 15)
JUPYTER_DIRS = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")


class JupyterServer:
    """JupyterLab (app="lab") or Notebook 7 (app="notebook") serving a temp copy of notebooks."""

    def __init__(self, notebooks=(), app="lab", timeout=60, theme="light", kernels=True):
        if app not in ("lab", "notebook"):
            raise ValueError(f"app must be 'lab' or 'notebook', not {app!r}")
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {sorted(THEMES)}, not {theme!r}")
        self.theme = theme
        self.kernels = kernels   # False: no kernelspec at all, so a notebook opens with no kernel
        self.notebooks = [pathlib.Path(p) for p in notebooks]
        self.app, self.timeout = app, timeout
        self.token = secrets.token_hex(16)
        self.port = self.process = self._tmp = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name):
        """The browser URL that opens notebook `name` (relative to the root dir)."""
        quoted = urllib.parse.quote(name)
        if self.app == "lab":  # ?reset: a fresh workspace, not the layout of a previous test
            return f"{self.base_url}/lab/tree/{quoted}?reset&token={self.token}"
        return f"{self.base_url}/notebooks/{quoted}?token={self.token}"

    def api(self, path, method="GET"):
        """Call the REST API; return the decoded JSON (None for an empty body)."""
        request = urllib.request.Request(f"{self.base_url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        # no proxy: loopback must never go through one set in the environment
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def delete_sessions(self):
        """Shut down every kernel session, so a notebook opens on a fresh kernel."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def log(self):
        """The server's combined stdout/stderr so far."""
        return (self._tmp / "server.log").read_text(errors="replace")

    def __enter__(self):
        self._tmp = pathlib.Path(tempfile.mkdtemp(prefix="tapeviz-jupyter-"))
        self.root = self._tmp / "root"
        self.root.mkdir()
        for path in self.notebooks:
            shutil.copy(path, self.root / path.name)
        self.env = env = self._environment()
        try:
            for _ in range(3):  # --port-retries=0: another process may grab the free port
                self.port = _free_port()
                if self._start(env):
                    return self
            raise RuntimeError(f"Jupyter server did not start:\n{self.log()[-3000:]}")
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _environment(self):
        return jupyter_environment(self._tmp, self.theme)

    def _start(self, env):
        app_class = "LabApp" if self.app == "lab" else "JupyterNotebookApp"
        cmd = [sys.executable, "-m", "jupyterlab" if self.app == "lab" else "notebook",
               "--no-browser", "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               f"--{app_class}.expose_app_in_browser=True",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
        if not self.kernels:
            cmd.append("--KernelSpecManager.allowed_kernelspecs=no-kernel-at-all")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        with open(self._tmp / "server.log", "ab") as log:
            self.process = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                self.api("status")
                return True
            except (OSError, http.client.HTTPException):  # not up, or the port is another
                time.sleep(0.2)                            # program's (a kernel's ZMQ socket)
        raise TimeoutError(f"Jupyter server not up after {self.timeout} s:\n{self.log()[-3000:]}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # shuts its kernels down cleanly
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

