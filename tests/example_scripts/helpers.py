"""Helpers shared by the tests of examples/: load and run scripts, read and write JSONL, read pages.

The test modules import these with ``from .helpers import ...``. Scripts are
loaded from their files, the way ``python examples/<dir>/<name>.py`` runs them:
they import their helper modules (rollout_io, quality_io, ...) as siblings
from their own directory, not as parts of an ``examples`` package.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TEST_DATA = ROOT / "tests" / "data"
TRAINING_DOCS = ROOT / "docs" / "training"


def load_script(path: Path) -> ModuleType:
    """Import an example script from its file, the way ``python path`` finds it.

    The module gets the script's file name, and the script's directory goes on
    the import path, so the modules it imports from next to it (rollout_io,
    quality_io, rollouts_to_sft, ...) are the same objects the tests use.
    """
    path = Path(path).resolve()
    directory = str(path.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = path.stem
    module = sys.modules.get(name)
    if module is not None:
        loaded = Path(getattr(module, "__file__", "") or "").resolve()
        assert loaded == path, f"module {name} is already loaded from {loaded}, not {path}"
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_scripts(directory: Path, *names: str) -> list[ModuleType]:
    """``load_script`` for ``directory/<name>.py`` of each name, in order."""
    return [load_script(directory / f"{name}.py") for name in names]


def run_script(
    path: Path,
    *args: object,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    inherit_env: bool = True,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """Run ``python path args...`` as a reader would, and capture its output as text.

    ``env`` is laid over this process's environment (or replaces it with
    ``inherit_env=False``); a value of None removes that variable.
    """
    environment = dict(os.environ) if inherit_env else {}
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run(
        [sys.executable, str(path), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env=environment,
    )


def write_jsonl(path: Path, rows: Iterable[object]) -> Path:
    """Write one JSON value per line; return ``path``."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def text_lines(path: Path, *, keep_blank: bool = False) -> list[str]:
    """The lines of a file, split on newlines only (JSON strings may hold U+2028).

    Blank lines are dropped unless ``keep_blank``, which keeps every line so
    that positions are line numbers minus one.
    """
    lines = path.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    return lines if keep_blank else [line for line in lines if line.strip()]


def json_lines(path: Path) -> list:
    """The JSON value of every non-blank line."""
    return [json.loads(line) for line in text_lines(path)]


def page_output(page: Path, command: str) -> list[str]:
    """The output lines shown under ``$ command`` in a console block of ``page``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"$ {command}")
    output = []
    for line in lines[start + 1 :]:
        if line.startswith(("```", "$ ")):
            break
        output.append(line)
    return output


def assert_clean_error(
    proc: subprocess.CompletedProcess, *fragments: str, code: int = 1
) -> None:
    """The script failed with ``code``, printed nothing on stdout and no traceback."""
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    for fragment in fragments:
        assert fragment in proc.stderr


def file_digests(directory: Path) -> dict[Path, str]:
    """SHA-256 of every file directly in ``directory`` (and the names of its subdirectories)."""
    return {
        path: hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "directory"
        for path in sorted(directory.iterdir())
    }


def python_blocks(page: Path) -> list[str]:
    """The code of every ```python block of a page."""
    blocks, current = [], None
    for line in page.read_text(encoding="utf-8").splitlines():
        if current is None and line.strip() == "```python":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def top_level_names(source: Path) -> set[str]:
    """The names a Python file defines or imports at its top level."""
    names = set()
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def assert_page_includes_script(page: Path, directory: str, script: str) -> str:
    """The page shows the tested file (literalinclude with its caption) and runs it from the repository.

    Returns the page text for further checks.
    """
    text = page.read_text(encoding="utf-8")
    assert f"```{{literalinclude}} /../examples/{directory}/{script}\n" in text
    assert f":caption: examples/{directory}/{script}\n" in text
    assert f"$ python examples/{directory}/{script} " in text
    assert f"$ python {script}" not in text
    assert f"Save this as `{script}`" not in text and f"Save this script as `{script}`" not in text
    return text
