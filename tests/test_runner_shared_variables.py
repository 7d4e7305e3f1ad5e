"""Two training loops at once on the same variables (two Dashboards, a Dashboard and a Runner,
two %tapeviz_train cells): the second is refused at its first gradient call, before it updates
anything, naming the first. They ran side by side silently, each optimizer step counted
twice and each chart a mix of both runs. Loops on variables of their own still run at once."""
import threading

import dashboard_loops
import pytest
from dashboard_loops import Front, T, marked_line, scalar_loop

import tapeviz as tf
from tapeviz.debugger import Runner
from tapeviz.errors import MisuseError

dashboards = dashboard_loops.dashboards   # the fixture its tests take

w = tf.Variable(3.0, name="w")
optimizer = tf.keras.optimizers.SGD(0.001)
first_step_taken = threading.Event()


def train(steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        first_step_taken.set()


@pytest.fixture(autouse=True)
def fresh():
    first_step_taken.clear()
    yield
    for runner in Runner.live():
        runner.stop()
        runner.join(T)


def test_a_second_dashboard_on_the_same_variables_is_refused_naming_the_first(dashboards):
    first, second = dashboards(), dashboards()
    Front(first), Front(second)
    before = int(optimizer.iterations)
    # the first trains until stopped: 20,000 steps once ended, on a loaded machine, before
    # the test looked at it
    runner = first.train(train, 10**9)   # first
    assert first_step_taken.wait(T)
    refused = second.train(train, 50)
    with pytest.raises(MisuseError) as info:
        refused.join(T)
    said = str(info.value)
    assert said.startswith("Dashboard.train: the training loop 'train' would train w, which "
                           "another run of it, started by Dashboard.train at "
                           f"{marked_line('first', __file__)} "), said
    assert "is still training (running): their updates would interleave" in said, said
    assert "this one stopped at its first gradient call, before any update" in said
    assert "runner.stop()" in info.value.hint and "listener" not in said
    # the refused step is none of its own: not counted, charted or drawn (it charted step 1's
    # loss and norm, drew its tape 'the last before the error' and counted it)
    assert refused.state == "failed" and refused.step_count == 0
    second.flush()
    # its badge says refused, not failed, and its status why (was 'failed: MisuseError')
    assert second.state == "refused" and "MisuseError" in second.error, second.error
    assert second.error.startswith("training refused: ")
    assert "would train w, which another run of it" in second.error
    assert second.status.startswith("refused: another run of it still trains w"), second.status
    assert second.status.endswith(" (the error below)"), second.status
    assert second.history() == {"loss": ([], []), "grad_norms": {}}
    assert second.step_count == 0 and second.svg == "" and second.tape_title == ""
    assert runner.state == "running"   # the first trains on, untouched: charted and drawn
    first.flush()
    charted = first.history()
    assert list(charted["grad_norms"]) == [w.name] and len(charted["loss"][0]) >= 1
    assert first.svg and first.tape_title.startswith("step ")
    runner.stop()
    runner.join(T)
    # its steps alone (the stop lands at a gradient call, a step its update never follows)
    assert int(optimizer.iterations) - before in (runner.step_count - 1, runner.step_count)


def test_a_runner_beside_a_paused_dashboard_names_the_pause(dashboards):
    dash = dashboards(show_tape=False)
    runner = dash.train(train, 10**9)   # trains until stopped (20,000 once ended first)
    assert first_step_taken.wait(T)
    runner.pause()
    assert runner.wait_paused(T)
    with pytest.warns(RuntimeWarning, match="started earlier is still paused"):
        second = Runner(train, 5).start()
    with pytest.raises(MisuseError, match=r"^Runner: the training loop 'train' would train "
                                          r"w, .*is still training \(paused after "):
        second.join(T)
    runner.resume()
    assert runner.state in ("running", "finished")


def test_loops_on_variables_of_their_own_train_at_once(dashboards):
    first, second = dashboards(show_tape=False), dashboards(show_tape=False)
    runners = [first.train(scalar_loop, 200), second.train(scalar_loop, 200)]
    for runner in runners:
        assert runner.join(T) and runner.state == "finished" and runner.step_count == 200


def test_once_the_first_has_ended_the_same_variables_train_again(dashboards):
    dash = dashboards(show_tape=False)
    assert dash.train(train, 3).join(T)
    again = dashboards(show_tape=False).train(train, 3)
    assert again.join(T) and again.state == "finished"
