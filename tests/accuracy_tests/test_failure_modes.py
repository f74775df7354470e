"""Every way the accuracy check's input can be broken: a clear message with the fix, and
exit 1, never a traceback or a silent pass.

The cache trials run the installed ``docs-accuracy`` command against a private cache
(``NEMO_GYM_DOCS_CACHE``) holding a small wheel built here, laid out like a nemo-gym
release. "Offline" means pip may not reach any index (``PIP_NO_INDEX=1``); "online"
points pip at a local folder of wheels instead of the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from accuracy import cli
from accuracy.blocks import parse_page
from accuracy.gym_release import ReleaseUnavailable, pinned_version

ACCURACY = str(Path(sys.executable).with_name("docs-accuracy"))
VERSION = "0.0.1"
WHEEL = f"nemo_gym-{VERSION}-py3-none-any.whl"
RELEASE_FILES = {
    "nemo_gym/__init__.py": "",
    "nemo_gym/cli/__init__.py": "",
    "nemo_gym/cli/main.py": "COMMANDS = {'eval run': Command(target='nemo_gym.rollout:main', flags=())}\n",
    "nemo_gym/cli/legacy.py": "LEGACY = {'collect_rollouts': ['eval', 'run']}\n",
    "nemo_gym/global_config.py": "NEMO_GYM_RESERVED_TOP_LEVEL_KEYS = ['config_paths']\n",
    f"nemo_gym-{VERSION}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: nemo-gym\nVersion: {VERSION}\n",
    f"nemo_gym-{VERSION}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                                         "Tag: py3-none-any\n",
    f"nemo_gym-{VERSION}.dist-info/RECORD": "",
}
PAGE = "---\nsources:\n  - nemo_gym/cli/main.py\n---\n\n# Page\n\n```console\n$ gym eval run\n```\n"


def make_wheel(path: Path, files: dict[str, str] = RELEASE_FILES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


@pytest.fixture
def site(tmp_path):
    """A one-page site with its conf.py, a private empty cache, and a local wheel 'index'."""
    root = tmp_path / "site"
    (root / "docs").mkdir(parents=True)
    (root / "conf.py").write_text('extensions = ["myst_parser"]\n')
    (root / "docs" / "index.md").write_text(PAGE)
    make_wheel(tmp_path / "index" / WHEEL)
    return root


def run(site: Path, *args: str, online: bool = False) -> subprocess.CompletedProcess:
    cache = site.parent / "cache"
    env = {**os.environ, "NEMO_GYM_DOCS_CACHE": str(cache), "PIP_NO_INDEX": "1"}
    if online:
        env["PIP_FIND_LINKS"] = str(site.parent / "index")
    else:
        env.pop("PIP_FIND_LINKS", None)
    command = [ACCURACY, "--docs", "docs", "--conf", "conf.py", *args]
    if args and args[0] in ("check", "facts"):
        command += ["--version", VERSION]
    return subprocess.run(command, cwd=site, capture_output=True, text=True, env=env, timeout=300)


def cache_of(site: Path) -> Path:
    return site.parent / "cache"


def assert_clean_failure(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_online_the_release_is_downloaded_and_checked(site):
    result = run(site, "check", online=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"accuracy: 1 pages against nemo-gym {VERSION}: ")
    assert (cache_of(site) / "wheels" / WHEEL).is_file()


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_cached_only_with_nothing_cached_fails_and_says_how_to_fill_the_cache(site):
    result = run(site, "check", "--cached-only", online=True)
    assert_clean_failure(result)
    assert result.stderr.startswith(f"accuracy: nemo-gym {VERSION} is not in the cache ({cache_of(site)}). Fill it "
                                    "with 'docs-accuracy facts', which downloads the release once.")
    assert not (cache_of(site) / "wheels" / WHEEL).exists()  # --cached-only never downloads
    assert run(site, "facts", online=True).returncode == 0  # the advice, as written
    assert run(site, "check", "--cached-only").returncode == 0


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_offline_the_message_gives_advice_that_works_as_written(site):
    result = run(site, "check")
    assert_clean_failure(result)
    assert f"could not download nemo-gym=={VERSION}" in result.stderr
    advice = (f"copy the wheel {WHEEL} (from 'pip download --no-deps nemo-gym=={VERSION} --only-binary=:all: "
              f"--python-version 3.13.14' on a connected machine) into {cache_of(site) / 'wheels'}/")
    assert advice in result.stderr
    # Follow it: copy the wheel in, still offline, no marker file, nothing else.
    (cache_of(site) / "wheels").mkdir(parents=True, exist_ok=True)
    (cache_of(site) / "wheels" / WHEEL).write_bytes((site.parent / "index" / WHEEL).read_bytes())
    assert run(site, "check").returncode == 0
    assert run(site, "check", "--cached-only").returncode == 0


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_an_unpacked_release_without_a_marker_is_used_offline(site):
    with zipfile.ZipFile(site.parent / "index" / WHEEL) as zf:
        zf.extractall(cache_of(site) / f"nemo-gym-{VERSION}")
    assert not (cache_of(site) / f"nemo-gym-{VERSION}" / ".complete").exists()
    result = run(site, "check", "--cached-only")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_facts_offline_is_a_message_not_a_traceback(site):
    result = run(site, "facts")
    assert_clean_failure(result)
    assert result.stderr.startswith(f"accuracy: could not download nemo-gym=={VERSION} from the package index")


@pytest.mark.slow  # runs the command, and pip, in a subprocess
@pytest.mark.parametrize("corruption", [
    "{not json",
    json.dumps({"format": 7, "version": VERSION}),  # keys missing
    json.dumps([1, 2, 3]),
    "",
], ids=["not-json", "missing-keys", "a-list", "empty"])
def test_a_corrupt_facts_cache_is_deleted_and_rebuilt(site, corruption):
    assert run(site, "facts", online=True).returncode == 0
    facts = cache_of(site) / f"facts-{VERSION}.json"
    facts.write_text(corruption)
    result = run(site, "check")  # offline: the rebuild reads the unpacked release
    assert result.returncode == 0, result.stderr
    assert json.loads(facts.read_text())["version"] == VERSION


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_an_unpacked_release_missing_cli_main_is_unpacked_again(site):
    assert run(site, "facts", online=True).returncode == 0
    (cache_of(site) / f"facts-{VERSION}.json").unlink()
    (cache_of(site) / f"nemo-gym-{VERSION}" / "nemo_gym" / "cli" / "main.py").unlink()
    result = run(site, "check")
    assert result.returncode == 0, result.stderr
    assert (cache_of(site) / f"nemo-gym-{VERSION}" / "nemo_gym" / "cli" / "main.py").is_file()


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_a_corrupt_wheel_is_deleted_and_downloaded_again(site):
    wheel = cache_of(site) / "wheels" / WHEEL
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"not a zip file")
    result = run(site, "check", online=True)
    assert result.returncode == 0, result.stderr
    assert zipfile.is_zipfile(wheel)


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_a_corrupt_wheel_offline_is_deleted_with_what_to_do(site):
    wheel = cache_of(site) / "wheels" / WHEEL
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"not a zip file")
    result = run(site, "check", "--cached-only")
    assert_clean_failure(result)
    assert result.stderr.startswith(f"accuracy: the cached wheel {WHEEL} was not a valid wheel (File is not a zip "
                                    "file) and has been deleted; 'docs-accuracy facts' downloads it anew.")
    assert not wheel.exists()


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_a_wheel_without_the_cli_is_refused_and_leaves_nothing_behind(site):
    files = {k: v for k, v in RELEASE_FILES.items() if k != "nemo_gym/cli/main.py"}
    make_wheel(cache_of(site) / "wheels" / WHEEL, files)
    result = run(site, "check")
    assert_clean_failure(result)
    assert result.stderr.startswith(f"accuracy: the nemo-gym {VERSION} wheel has no nemo_gym/cli/main.py; ")
    assert not (cache_of(site) / f"nemo-gym-{VERSION}").exists()
    assert not (cache_of(site) / f"nemo-gym-{VERSION}.partial").exists()


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_a_page_that_is_not_utf8_is_a_located_finding(site):
    (site / "docs" / "latin1.md").write_bytes(b"# Page\n\nCaf\xe9\n")
    result = run(site, "check", online=True)
    assert_clean_failure(result)
    assert result.stderr.splitlines() == [
        "docs/latin1.md:3: ERROR: this page is not UTF-8 text (byte 0xe9), so it was not checked. Fix: save the "
        "file as UTF-8 text. [accuracy.page]"]
    assert result.stdout.startswith(f"accuracy: 2 pages against nemo-gym {VERSION}")


@pytest.mark.slow  # runs the command, and pip, in a subprocess
def test_pages_in_underscore_folders_are_checked(site):
    (site / "docs" / "_drafts").mkdir()
    (site / "docs" / "_drafts" / "x.md").write_text("# X\n\n```console\n$ gym nonsense\n```\n")
    result = run(site, "check", online=True)
    assert_clean_failure(result)
    assert result.stderr.startswith("docs/_drafts/x.md:4: ERROR: 'gym nonsense' is not a command of nemo-gym")


# -- Front matter, in process against the pinned release's facts -------------------------------


def check(checker, text: str) -> list[str]:
    return [f.format() for f in checker.check_page(parse_page(text, Path("page.md")), "page.md")]


def test_front_matter_that_is_a_list_is_a_located_finding(checker):
    assert check(checker, "---\n- a\n- b\n---\n# T\n") == [
        "page.md:2: ERROR: front matter must be a mapping of 'key: value' lines, so the page's sources cannot be "
        "checked. Fix: write the front matter as 'key: value' lines between '---' lines. [accuracy.source]"]


def test_sources_written_as_a_string_is_a_located_finding(checker):
    assert check(checker, "---\ncontent_type: how-to\nsources: nemo_gym/cli/main.py\n---\n# T\n") == [
        "page.md:3: ERROR: sources is str 'nemo_gym/cli/main.py', not a list, so it was not checked. Fix: write "
        "'sources:' followed by one '- path/in/the/wheel.py' line per source. [accuracy.source]"]


def test_a_page_starting_with_a_byte_order_mark_keeps_its_sources(checker):
    assert check(checker, "\ufeff---\nsources:\n  - nemo_gym/no_such_file.py\n---\n# T\n") == [
        "page.md:3: ERROR: source 'nemo_gym/no_such_file.py' is not a file in nemo-gym 0.7.0. [accuracy.source]"]


def test_no_gym_version_says_where_to_add_it(tmp_path, monkeypatch, capsys):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'x'\n")
    with pytest.raises(ReleaseUnavailable, match=r"names no nemo-gym release: add 'gym_version = \"0.7.0\"'"):
        pinned_version(pyproject)
    monkeypatch.setattr(cli, "pinned_version", lambda: pinned_version(pyproject))
    assert cli.main(["check"]) == 1
    assert capsys.readouterr().err == (
        f"accuracy: {pyproject} names no nemo-gym release: add 'gym_version = \"0.7.0\"' (the release the docs "
        "describe) under [tool.nemo-gym-docs].\n")


def test_no_pages_to_check_fails(tmp_path, capsys, facts):
    (tmp_path / "conf.py").write_text('extensions = ["myst_parser"]\n')
    (tmp_path / "docs").mkdir()
    assert cli.run_check(tmp_path / "docs", None, True, tmp_path) == 1
    assert capsys.readouterr().err == (f"accuracy: no pages to check in {tmp_path / 'docs'}; pass the docs source "
                                       "directory with --docs.\n")
