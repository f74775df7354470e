"""CI, hosting and maintainer configuration: it parses, and what it calls exists."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from linkcheck import classify  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-zA-Z][\w-]*):", text, re.M))


def make_calls(text: str) -> set[str]:
    return {m for m in re.findall(r"\bmake ([a-z][\w-]*)", text)}


def test_the_makefile_has_every_documented_target():
    assert {"html", "livehtml", "check", "linkcheck", "test", "clean", "new", "upgrade-review", "bench"} <= make_targets()


def test_the_readme_and_ci_call_only_real_targets():
    for path in (ROOT / "README.md", ROOT / ".ci" / "run", ROOT / ".github/workflows/docs.yml",
                 ROOT / ".pre-commit-config.yaml", ROOT / "docs" / "contributing.md"):
        calls = make_calls(path.read_text())
        assert calls <= make_targets(), f"{path.name} calls {sorted(calls - make_targets())}"
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def test_the_github_workflow_builds_tests_deploys_and_checks_links():
    workflow = yaml.safe_load((ROOT / ".github/workflows/docs.yml").read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads 'on' as true
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    jobs = workflow["jobs"]
    build_steps = " ".join(str(step.get("run", "")) for step in jobs["build-and-test"]["steps"])
    assert "make html" in build_steps and "make test" in build_steps
    uses = [step.get("uses", "") for job in jobs.values() for step in job.get("steps", [])]
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert "make linkcheck" in " ".join(str(s.get("run", "")) for s in jobs["linkcheck"]["steps"])


def test_read_the_docs_builds_with_the_same_pins_and_fails_on_warnings():
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert config["version"] == 2
    assert config["build"]["tools"]["python"] == "3.11"
    assert config["python"]["install"] == [{"requirements": "requirements.lock"}]
    assert config["sphinx"] == {"configuration": "conf.py", "fail_on_warning": True}


def test_pre_commit_runs_ruff_yaml_toml_and_docplan():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"check-yaml", "check-toml", "ruff", "docplan-check"} <= ids


def test_pins_are_exact_and_the_lock_covers_them():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1].strip()
            for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, version = requirement.split("==")
        assert lock[name.lower()] == version, requirement
    assert lock["sphinx"].startswith("9.0.")


def test_linkcheck_tells_unreachable_from_broken():
    entries = [
        {"status": "broken", "uri": "https://a", "info": "Max retries exceeded (Caused by NameResolutionError)"},
        {"status": "broken", "uri": "https://b", "info": "404 Client Error: Not Found"},
        {"status": "working", "uri": "https://c", "info": ""},
        {"status": "timeout", "uri": "https://d", "info": "read timed out"},
    ]
    broken, unreachable, counts = classify(entries)
    assert [e["uri"] for e in broken] == ["https://b"]
    assert [e["uri"] for e in unreachable] == ["https://a", "https://d"]
    assert counts == {"unreachable": 2, "broken": 1, "working": 1}


def test_make_check_runs_the_plan_checker_quickly():
    result = subprocess.run([sys.executable, "-m", "docplan", "check"], cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": "tools", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "no drift" in result.stdout
