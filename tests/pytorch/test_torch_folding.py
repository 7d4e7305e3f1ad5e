"""Repeated torch blocks fold into one ×N box, as the numpy engine's repeated scopes do:
an `nn.Sequential` of identical blocks (named '0', '1', ... by torch) and a `ModuleList`
called in a loop (each block its own scope, `Net/blocks/3`, as `named_modules()` names it
'blocks.3'), labelled with their container and indices; different blocks stay apart."""
import pytest
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.viz.graph import Graph


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = nn.ReLU()

    def forward(self, x):
        return x + self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self, container: str, blocks: int = 8):
        super().__init__()
        self.inp = nn.Linear(3, 8)
        made = [Block() for _ in range(blocks)]
        self.blocks = nn.Sequential(*made) if container == "Sequential" else nn.ModuleList(made)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        h = self.inp(x)
        if isinstance(self.blocks, nn.Sequential):
            h = self.blocks(h)
        else:
            for block in self.blocks:
                h = block(h)
        return self.head(h)


def graph_of(model) -> Graph:
    torch.manual_seed(0)
    with tvt.record() as tape:
        model(torch.randn(4, 3)).sum().backward()
    return Graph.from_tape(tape)


@pytest.mark.parametrize("container", ["Sequential", "ModuleList"])
def test_identical_blocks_fold_into_one_box_showing_their_indices(container):
    graph = graph_of(Net(container))
    scopes = {node.scope for node in graph.nodes.values() if node.op == "linear"}
    assert scopes == {"Net/inp", "Net/head"} | {f"Net/blocks/{i}/fc" for i in range(8)}
    variables = {n.label for n in graph.nodes.values() if n.kind == "variable"}
    assert "blocks.3.fc.weight" in variables   # as named_parameters() names it
    view = graph.collapse(frozenset({"g:Net", "g:Net/blocks"}), max_nodes=12)
    boxes = {node.id: node for node in view.nodes.values() if node.kind == "group"}
    assert set(boxes) == {"g:Net/inp", "g:Net/blocks/0*8", "g:Net/head"}
    box = boxes["g:Net/blocks/0*8"]
    assert (box.label, box.repeat) == ("blocks[0…7]", 8)
    opened = graph.collapse(frozenset({"g:Net", "g:Net/blocks", "g:Net/blocks/0*8"}),
                            max_nodes=12)
    assert [n.label for n in opened.nodes.values() if n.id.startswith("g:Net/blocks/")] == \
        [str(i) for i in range(8)]


def test_a_sequential_of_different_layers_does_not_fold():
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(),
                          nn.Linear(8, 1))
    view = graph_of(model).collapse(frozenset({"g:Sequential"}), max_nodes=6)
    labels = [n.label for n in view.nodes.values() if n.kind == "group"]
    assert labels == ["0", "1", "2", "3", "4"]
