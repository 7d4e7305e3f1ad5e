"""Python exiting while a Runner's torch loop is inside one of torch's calls: the daemon
thread woke in torch's C++ as the interpreter finalized, and the process aborted
('terminate called without an active exception', or a segfault) after the script's last
line. Exit now waits for that call to return; the loop stops at its next op."""
import subprocess
import sys
import textwrap

import pytest
import torch  # noqa: F401  (without torch the module is skipped: conftest.py)

SCRIPT = textwrap.dedent("""
    import time
    import torch
    import tapeviz.torch  # noqa: F401
    from tapeviz.debugger import Runner, live_runners

    live_runners._EXIT_GRACE = 0.0   # every call in flight at exit outlasts the grace
    torch.set_num_threads(1)
    a = torch.randn(1200, 1200)

    def train():
        while True:
            (a @ a).sum()   # ~0.1-1 s in torch's C++ a call, the GIL released

    Runner(train).start()
    time.sleep(0.5)   # the script ends without runner.join()
""")


@pytest.mark.parametrize("run", range(3))
def test_python_exits_cleanly_while_a_runners_torch_loop_is_inside_a_call(run):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120)
    assert "terminate called" not in done.stderr
    assert done.returncode == 0, done.stderr[-2000:]
    assert "stopped at its next op" in done.stderr
