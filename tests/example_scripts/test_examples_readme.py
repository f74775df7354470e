"""examples/README.md lists every script and its pages; the scripts share one JSONL reader."""

from __future__ import annotations

import ast
import re

import pytest

from .helpers import EXAMPLES, TRAINING_DOCS, run_script

README = (EXAMPLES / "README.md").read_text(encoding="utf-8")
SCRIPTS = sorted(
    path
    for path in EXAMPLES.rglob("*.py")
    if "numeric_answer" not in path.parts
    and "__pycache__" not in path.parts
    and not path.is_symlink()  # the links to converters/rollout_io.py
)
# The directories whose scripts read JSONL only through rollout_io.py, a link there to
# examples/converters/rollout_io.py; integration/ has the link too.
SHARED_READER_DIRS = ("quality", "rollout_collection", "troubleshooting", "performance")
LINKED_DIRS = (*SHARED_READER_DIRS, "integration", "verification")


def readme_rows() -> dict[str, str]:
    rows = {}
    for line in README.split("\n## Scripts\n", 1)[1].splitlines():
        match = re.match(r"\| `([\w/]+(?:\.py|/))` \| (.*)", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_readme_lists_every_script_once():
    listed = readme_rows()
    for path in SCRIPTS:
        name = path.relative_to(EXAMPLES).as_posix()
        if name in {"converters/rollout_io.py", "quality/quality_io.py"}:
            assert f"`{name}`" in README, name
            continue
        assert name in listed, f"examples/README.md does not list {name}"
    assert "verification/numeric_answer/" in listed


def test_readme_names_pages_that_exist_and_mention_the_script():
    for script, row in readme_rows().items():
        pages = re.findall(r"`([\w-]+/[\w-]+\.md)`", row)
        assert pages, script
        for page in pages:
            text = (TRAINING_DOCS / page).read_text(encoding="utf-8")
            assert script.rstrip("/").rsplit("/", 1)[-1] in text, (script, page)


@pytest.mark.parametrize("directory", LINKED_DIRS)
def test_shared_module_is_a_link_next_to_the_scripts(directory):
    """Each script imports its helpers as siblings, with no edit of the import path."""
    link = EXAMPLES / directory / "rollout_io.py"
    assert link.is_symlink() and link.resolve() == (EXAMPLES / "converters" / "rollout_io.py")
    for path in (EXAMPLES / directory).glob("*.py"):
        assert "sys.path" not in path.read_text(encoding="utf-8"), path


def test_readme_states_the_exit_codes_the_shared_module_uses():
    rollout_io = (EXAMPLES / "converters" / "rollout_io.py").read_text(encoding="utf-8")
    for code, name in ((0, "EXIT_OK"), (1, "EXIT_INPUT_ERROR"), (2, "EXIT_USAGE_ERROR")):
        assert f"\n{name} = {code}" in rollout_io
        assert f"| `{code}` |" in README
    proc = run_script(EXAMPLES / "rollout_collection" / "check_samples.py", "--no-such-option")
    assert proc.returncode == 2


@pytest.mark.parametrize(
    "path",
    [path for path in SCRIPTS if path.parent.name in SHARED_READER_DIRS],
    ids=lambda path: path.relative_to(EXAMPLES).as_posix(),
)
def test_scripts_read_through_rollout_io(path):
    """No script keeps a JSONL reader or an atomic writer of its own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert modules & {"rollout_io", "quality_io"}, path
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert not defined & {"iter_rows", "json_error", "InputError", "write_lines", "_lfs_hint"}
    loads = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "loads"
    ]
    assert not loads, f"{path} parses JSON itself"


def test_readme_names_every_page_that_uses_a_script():
    pages = {p.relative_to(TRAINING_DOCS).as_posix(): p.read_text(encoding="utf-8")
             for p in TRAINING_DOCS.rglob("*.md")}
    for name, row in readme_rows().items():
        for page, text in pages.items():
            if f"examples/{name}" in text:
                assert f"`{page}`" in row, f"examples/README.md: {name} is used by {page}, which its row leaves out"
