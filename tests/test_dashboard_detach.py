"""Dashboard.detach while its push timer is in a turn that takes long (a tape's layout or a
diagnosis: seconds on a loaded machine): detach returns without waiting the turn out, the
timer pushes nothing after it and ends once the stage in progress does, no listener stays,
and a dashboard attached again meanwhile runs one timer, not two. Told by events: the test
holds the timer's layout until detach has returned."""
import threading

import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder, Runner
from tapeviz.viz.dashboard import Dashboard

T = 60.0   # a guard against a hang only: each wait returns as soon as what it waits for happens


class HeldLayout:
    """Stands in for the timer's tape layout: it waits, in the timer's thread, until the
    test releases it; `entered` is set each time a timer starts one."""

    def __init__(self):
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, state):
        self.entered.set()
        assert self.release.wait(T), "the test never released the layout"
        return None


class Pushes:
    """Counts the state messages the widget sends, as the browser would receive them."""

    def __init__(self, dash):
        self.count = 0
        dash._send = self.receive

    def receive(self, msg, buffers=None):
        if msg.get("method") == "update":
            self.count += 1


def scalar_steps(steps):
    w = tf.Variable(3.0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(0.1 * tape.gradient(loss, w))


@pytest.fixture
def held():
    """(a Dashboard of a Recorder whose timer is held in its layout, the layout, pushes)."""
    layout = HeldLayout()
    dash = Dashboard(show_alerts=False)
    dash._tape = layout
    pushes = Pushes(dash)
    dash.attach(recorder=Recorder())
    assert layout.entered.wait(T)
    yield dash, layout, pushes
    layout.release.set()
    dash.close()


def test_detach_returns_while_the_timer_lays_out_and_the_timer_then_ends_pushing_nothing(held):
    dash, layout, pushes = held
    timer, before = dash._timer, pushes.count
    detached = threading.Event()
    thread = threading.Thread(target=lambda: (dash.detach(), detached.set()))
    thread.start()
    assert detached.wait(T)
    assert not layout.release.is_set() and timer.is_alive()   # detach did not wait it out
    thread.join(T)
    layout.release.set()
    timer.join(T)
    assert not timer.is_alive()
    assert pushes.count == before   # was: the turn went on and pushed after detach
    assert dash._on_event not in events.subscribers()


def test_attached_again_while_the_old_timer_lays_out_only_the_new_timer_runs(held):
    dash, layout, pushes = held
    old = dash._timer
    layout.entered.clear()
    dash.attach(recorder=Recorder())   # detaches the old timer, starts a new one
    new = dash._timer
    assert new is not old
    layout.release.set()   # the old timer's layout ends; it must not go on beside the new
    old.join(T)
    assert not old.is_alive()   # was: alive, turning beside the new timer
    assert new.is_alive()


def test_a_detached_idle_timer_is_joined_and_a_runners_dashboard_leaves_no_listener():
    dash = Dashboard(show_tape=False, show_alerts=False)
    runner = Runner(scalar_steps, 3)
    dash.attach(runner)
    timer = dash._timer
    assert dash._on_event in events.subscribers()
    runner.start()
    assert runner.join(T)
    dash.detach()
    assert not timer.is_alive()   # joined: it was waiting for its clock, or had ended
    assert dash._on_event not in events.subscribers()
    dash.close()
