"""Python exiting while a Runner trains (a script's last line, a notebook kernel restarted while
a Dashboard's loop runs or is paused) exits within seconds: the training thread is a daemon,
so nothing waits on a loop that would never end, and the exit stops the loop at its next op
(its `finally` blocks run) and says so, so a script that forgot `runner.join()` learns why its
training was cut short. Each case runs in a subprocess, as the exit is the process's own."""
import subprocess
import sys
import textwrap
import time

import pytest

EXIT_WITHIN = 15.0   # seconds from the script's last line to the process's end, at load 15

SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import tapeviz as tf
    from tapeviz.viz.dashboard import Dashboard

    def train(steps, stuck):
        w = tf.Variable(np.ones((16, 16), np.float32), name="w")
        x = tf.constant(np.ones((8, 16), np.float32))
        try:
            for _ in range(steps):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
                w.assign_sub(1e-6 * tape.gradient(loss, w))
                while stuck:            # Python alone, no op: no stop can land here
                    time.sleep(0.01)
        finally:
            print("the loop's finally ran", flush=True)

    how = sys.argv[1]
    dash = Dashboard(max_rate=50.0, show_tape=False)
    runner = dash.train(train, 10**9, how == "stuck")
    while runner.step_count < 1:
        time.sleep(0.01)
    if how == "paused":
        runner.pause()
        assert runner.wait_paused(10.0)
    print("last line", runner.state, time.time(), flush=True)
""")


def run_to_exit(how):
    """Run SCRIPT; return (seconds from its last line to its exit, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-c", SCRIPT, how], capture_output=True, text=True,
                          timeout=120.0)   # (killed, a failure, if it hangs)
    ended = time.time()
    last = [line for line in done.stdout.splitlines() if line.startswith("last line")]
    assert done.returncode == 0 and last, (done.stdout, done.stderr)
    return ended - float(last[0].split()[-1]), done.stdout, done.stderr


@pytest.mark.parametrize("how, state", [("running", "running"), ("paused", "paused after ")])
def test_python_exiting_while_a_dashboard_trains_stops_the_loop_and_says_so(how, state):
    seconds, out, err = run_to_exit(how)
    assert seconds < EXIT_WITHIN, (seconds, err)
    assert f"last line {state.split()[0]}" in out
    assert "the loop's finally ran" in out   # stopped at its next op, not cut mid-statement
    assert f"the training loop 'train' is {state}" in err, err
    assert "runner.join()" in err and "Traceback" not in err, err


def test_a_loop_stuck_where_no_stop_lands_does_not_hold_the_exit():
    seconds, out, err = run_to_exit("stuck")
    assert seconds < EXIT_WITHIN, (seconds, err)
    assert "the training loop 'train' is running" in err, err
    assert "the loop's finally ran" not in out   # a daemon: Python ends it where it stands
