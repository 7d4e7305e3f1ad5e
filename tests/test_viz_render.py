"""Layout through Graphviz: finding the binary, inline SVG, ids back to nodes, cache, errors."""
import os
import re
import subprocess

import pytest

import tapeviz as tf
from tapeviz.viz import render
from tapeviz.viz.dot import to_dot
from tapeviz.viz.graph import Graph
from tapeviz.viz.render import LayoutError, LayoutUnavailable, find_layout_binary, layout_svg

needs_graphviz = pytest.mark.skipif(
    find_layout_binary() is None,
    reason="no Graphviz binary (graphviz-pure: pip install graphviz-pure==0.2.2, or dot)")


def _graph():
    w = tf.Variable([[1.0], [2.0]], name="w")
    x = tf.constant([[3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        with tf.name_scope("layer"):
            y = tf.nn.relu(tf.matmul(x, w))
        loss = tf.reduce_sum(y)
    return Graph.from_tape(tape, tape.backward(loss).run().grads)


@needs_graphviz
def test_layout_gives_inline_svg_with_a_viewbox_and_no_prologue():
    svg = layout_svg(to_dot(_graph()))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert re.search(r'viewBox="[\d. ]+"', svg)
    for junk in ("<?xml", "<!DOCTYPE", "<!--"):
        assert junk not in svg


@needs_graphviz
def test_svg_node_ids_map_back_to_graph_nodes():
    graph = _graph()
    svg = layout_svg(to_dot(graph, highlight="n1", selected="n0"))
    ids = re.findall(r'<g id="([^"]+)" class="node[ "]', svg)
    assert sorted(ids) == sorted(graph.nodes)
    view = graph.collapse(max_nodes=3)
    svg = layout_svg(to_dot(view))
    assert sorted(re.findall(r'<g id="([^"]+)" class="node[ "]', svg)) == sorted(view.nodes)
    assert 'id="g:layer"' in svg


@needs_graphviz
def test_the_same_dot_is_laid_out_once(monkeypatch):
    dot = to_dot(_graph(), selected="n2")
    first = layout_svg(dot)

    def no_second_run(*args, **kwargs):
        raise AssertionError("Graphviz ran again for the same DOT text")

    monkeypatch.setattr(subprocess, "run", no_second_run)
    assert layout_svg(dot) is first


@needs_graphviz
def test_bad_dot_raises_a_layout_error_with_graphviz_message():
    with pytest.raises(LayoutError, match="exit code"):
        layout_svg("digraph { this is not dot")


def test_the_binary_is_found_in_the_scripts_folder_when_not_on_path(monkeypatch, tmp_path):
    binary = tmp_path / ("graphviz-pure.exe" if os.name == "nt" else "graphviz-pure")
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda *args: str(tmp_path))
    assert find_layout_binary() == str(binary)


def test_a_missing_binary_names_the_pip_command(monkeypatch, tmp_path):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda *args: str(tmp_path))
    assert find_layout_binary() is None
    with pytest.raises(LayoutUnavailable, match=r"pip install graphviz-pure==0\.2\.2"):
        layout_svg("digraph { a }")
    assert issubclass(LayoutUnavailable, RuntimeError)


def test_a_system_dot_is_the_fallback(monkeypatch, tmp_path):
    dot = tmp_path / "dot"
    dot.write_text("#!/bin/sh\n")
    dot.chmod(0o755)
    monkeypatch.setattr(render.shutil, "which",
                        lambda name: str(dot) if name == "dot" else None)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda *args: str(tmp_path / "none"))
    assert find_layout_binary() == str(dot)
