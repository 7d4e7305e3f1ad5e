"""The user's source as the diagnostics read it (`label_source.innermost_scope`): a file's
parse is kept while its text stays the same, and made again when the text changes (a cell
or a file edited and run again), so no finding reads a stale line."""
import linecache

from tapeviz.debugger import label_source


def test_a_files_parse_is_kept_while_its_text_stays_and_redone_when_it_changes(tmp_path):
    path = tmp_path / "student.py"
    path.write_text("def train():\n    loss = 1\n    return loss\n")
    linecache.checkcache(str(path))
    tree, scope = label_source.innermost_scope(str(path), 2)
    assert scope.name == "train"
    assert label_source.innermost_scope(str(path), 2)[0] is tree   # kept: not parsed again
    path.write_text("x = 0\n\n\ndef evaluate():\n    acc = 1\n    return acc\n")
    linecache.checkcache(str(path))
    new_tree, new_scope = label_source.innermost_scope(str(path), 5)
    assert new_tree is not tree and new_scope.name == "evaluate"


def test_the_parses_kept_are_bounded(tmp_path):
    for i in range(label_source.MAX_PARSED + 5):
        path = tmp_path / f"cell_{i}.py"
        path.write_text(f"value = {i}\n")
        label_source.innermost_scope(str(path), 1)
    assert len(label_source._parsed) <= label_source.MAX_PARSED
    assert str(tmp_path / f"cell_{label_source.MAX_PARSED + 4}.py") in label_source._parsed
