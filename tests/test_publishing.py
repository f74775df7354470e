"""Publishing: Read the Docs builds what `make html` builds, from a clean clone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def read_the_docs_commands() -> list[str]:
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert config["version"] == 2
    assert config["build"]["tools"]["python"] == "3.11"
    # With build.commands, Read the Docs runs only these; a `sphinx:` or `python:` key would
    # suggest a second, different build.
    assert not {"sphinx", "python", "mkdocs"} & set(config)
    return config["build"]["commands"]


def test_read_the_docs_runs_make_html_and_publishes_its_output():
    commands = read_the_docs_commands()
    assert commands[0] == "make html"
    assert any("_build/html" in c and "$READTHEDOCS_OUTPUT/html" in c for c in commands[1:])


@pytest.mark.slow
def test_the_read_the_docs_commands_build_the_site_from_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    output = tmp_path / "readthedocs-output"
    # What Read the Docs sets for a build; nothing of this checkout's own environment leaks in.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(READTHEDOCS="True", READTHEDOCS_OUTPUT=str(output), READTHEDOCS_VERSION="latest",
               READTHEDOCS_CANONICAL_URL="https://nemo-gym-training.readthedocs.io/en/latest/",
               READTHEDOCS_GIT_CLONE_URL="https://github.com/NVIDIA-NeMo/Gym.git")
    for command in read_the_docs_commands():
        result = subprocess.run(["bash", "-e", "-c", command], cwd=clone, env=env, capture_output=True, text=True,
                                timeout=900)
        assert result.returncode == 0, f"{command!r} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    hub = output / "html" / "training" / "index.html"
    assert hub.is_file(), f"no hub page in {output / 'html'}"
    assert "<title>Training" in hub.read_text(encoding="utf-8")
    assert (output / "html" / "index.html").is_file() and not (output / "html" / ".doctrees").exists()
    # The 404 page links from the canonical URL's path, as Read the Docs serves it.
    assert 'href="/en/latest/' in (output / "html" / "404.html").read_text(encoding="utf-8")
    # Only the build's own folders were added to the clone.
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=clone, capture_output=True, text=True)
    added = {line[3:].split("/")[0] for line in status.stdout.splitlines()}
    assert added <= {".venv", "_build", "tools"}, status.stdout
