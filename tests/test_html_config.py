"""conf.py's HTML settings that depend on where the site is built (no build, no browser)."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_ENV = ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "READTHEDOCS_GIT_CLONE_URL",
             "READTHEDOCS_CANONICAL_URL", "DOCS_SITE_ROOT")


def conf(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in BUILD_ENV}
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True):
        return runpy.run_path(str(ROOT / "conf.py"))


@pytest.mark.parametrize(("env", "repository"), [
    ({}, "https://github.com/NVIDIA-NeMo/Gym/"),
    ({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "someone/Gym-fork"},
     "https://github.com/someone/Gym-fork/"),
    ({"READTHEDOCS_GIT_CLONE_URL": "https://github.com/NVIDIA-NeMo/Gym.git"}, "https://github.com/NVIDIA-NeMo/Gym/"),
    ({"READTHEDOCS_GIT_CLONE_URL": "git@github.com:NVIDIA-NeMo/Gym.git"}, "https://github.com/NVIDIA-NeMo/Gym/"),
], ids=["default", "github-actions", "rtd-https", "rtd-ssh"])
def test_edit_links_point_at_the_repository_being_built(env, repository):
    options = conf(**env)["html_theme_options"]
    assert options["source_repository"] == repository
    assert options["source_branch"] == "main"
    assert options["source_directory"] == "docs/"
    assert "source_edit_link" not in options  # furo builds github.com links itself


def test_github_enterprise_gets_explicit_edit_and_view_links():
    options = conf(GITHUB_SERVER_URL="https://git.example.com", GITHUB_REPOSITORY="team/gym")["html_theme_options"]
    assert options["source_edit_link"] == "https://git.example.com/team/gym/edit/main/docs/{filename}"
    assert options["source_view_link"] == "https://git.example.com/team/gym/blob/main/docs/{filename}"


@pytest.mark.parametrize(("env", "root"), [
    ({}, "/"),
    ({"DOCS_SITE_ROOT": "docs/training"}, "/docs/training/"),
    ({"DOCS_SITE_ROOT": "/"}, "/"),
    ({"READTHEDOCS_CANONICAL_URL": "https://nemo-gym.readthedocs.io/en/latest/"}, "/en/latest/"),
    ({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "NVIDIA-NeMo/Gym"}, "/Gym/"),
    ({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "NVIDIA-NeMo/Gym", "DOCS_SITE_ROOT": "/"}, "/"),
])
def test_the_404_page_links_from_the_site_root(env, root):
    assert conf(**env)["site_root_path"] == root


def test_the_404_rewrite_keeps_anchors_and_absolute_urls(tmp_path):
    rewrite = conf(DOCS_SITE_ROOT="Gym")["_root_the_404_page"]
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(name="html"))
    page = tmp_path / "404.html"
    page.write_text('<html data-content_root="./"><link href="_static/furo.css"><a href="#top"></a>'
                    '<a href="https://example.com/x"></a><a href="/abs"></a><script src="_static/a.js"></script>'
                    '<form action="search.html"></form><a href="training/index.html#x"></a>')
    expected = ('<html data-content_root="/Gym/"><link href="/Gym/_static/furo.css"><a href="#top"></a>'
                '<a href="https://example.com/x"></a><a href="/abs"></a><script src="/Gym/_static/a.js"></script>'
                '<form action="/Gym/search.html"></form><a href="/Gym/training/index.html#x"></a>')
    rewrite(app, None)
    assert page.read_text() == expected
    rewrite(app, None)  # an incremental build that did not rewrite 404.html runs the hook again
    assert page.read_text() == expected
