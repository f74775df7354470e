"""CI, hosting and maintainer configuration: it parses, and what it calls exists."""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from linkcheck import classify

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
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert "make linkcheck" in " ".join(str(s.get("run", "")) for s in jobs["linkcheck"]["steps"])
    assert "make lint" in build_steps


def test_workflow_actions_are_pinned_by_commit_and_checkout_keeps_no_token():
    text = (ROOT / ".github/workflows/docs.yml").read_text()
    workflow = yaml.safe_load(text)
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    for step in (s for s in steps if "uses" in s):
        action, _, ref = step["uses"].partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{action} is pinned by {ref!r}, not a full commit SHA"
        # The release the SHA belongs to is named beside it, for people and for update tools.
        assert re.search(rf"{re.escape(step['uses'])}\s+# v\d+\.\d+\.\d+", text), f"{action}: no '# vX.Y.Z'"
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)


def test_pre_commit_runs_ruff_yaml_toml_and_docplan():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"check-yaml", "check-toml", "ruff", "docplan-check"} <= ids


def read_lock() -> dict[str, tuple[str, list[str]]]:
    """requirements.lock as {name: (version, sha256 hashes)}."""
    lock: dict[str, tuple[str, list[str]]] = {}
    name = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if pin:
            name = pin[1].lower().replace("_", "-")
            lock[name] = (pin[2], [])
        elif line.strip().startswith("--hash=sha256:"):
            lock[name][1].append(line.strip().removeprefix("--hash=sha256:").rstrip(" \\"))
    return lock


def test_pins_are_exact_and_the_hashed_lock_covers_them():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = read_lock()
    pins = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    for requirement in pins:
        name, version = requirement.split("#")[0].strip().split("==")
        assert lock[name.lower()][0] == version, requirement
    assert lock["sphinx"][0].startswith("9.0.")
    assert "ruff" in lock and "setuptools" in lock
    unhashed = [name for name, (_, hashes) in lock.items() if not hashes]
    assert not unhashed, f"locked without a hash: {unhashed}"
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for _, hashes in lock.values() for h in hashes)


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


def test_the_installed_docplan_command_checks_the_site_quickly_without_path_settings():
    # No PYTHONPATH, a bare PATH, another working directory's imports: only the editable install.
    docplan = Path(sys.executable).with_name("docplan")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([str(docplan), "check"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result.returncode == 0, result.stderr
    assert "no drift" in result.stdout
    # CPU time, not wall time: other work on a shared machine slows the clock, not the command.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 1.5, f"docplan check used {cpu:.2f} s of CPU (budget 1.5 s; `make bench` times it unloaded)"


@pytest.mark.parametrize("value", ["x.md; touch {marker}", "x.md`touch {marker}`", "$(touch {marker})",
                                   "$(shell touch {marker})", "x.md' ; touch {marker} ; '"])
def test_make_passes_page_from_and_to_as_text_never_as_commands(tmp_path, value):
    marker = tmp_path / "INJECTED"
    page = value.format(marker=marker)
    new = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "new", f"PAGE={page}"],
                         capture_output=True, text=True, timeout=120)
    assert new.returncode != 0 and not marker.exists(), new.stdout + new.stderr
    assert f"'{page}' is not in the plan" in new.stderr, "docplan must receive the value whole, as typed"
    review = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "upgrade-review", f"FROM={page}",
                             "TO="], capture_output=True, text=True, timeout=120)
    assert review.returncode != 0 and "usage: make upgrade-review" in review.stdout and not marker.exists()
