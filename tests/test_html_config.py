"""conf.py's HTML settings that depend on where the site is built (no build, no browser)."""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_ENV = ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "READTHEDOCS_GIT_CLONE_URL",
             "READTHEDOCS_CANONICAL_URL", "DOCS_SITE_ROOT", "DOCS_BASE_URL")


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


def test_the_404_page_body_links_from_the_site_root():
    settings = conf(DOCS_SITE_ROOT="Gym")
    assert settings["notfound_urls_prefix"] == "/Gym/"
    links = re.findall(r'href="([^"]*)"', settings["notfound_context"]["body"])
    assert links == ["/Gym/training/index.html", "/Gym/index.html"]


@pytest.mark.parametrize(("env", "base_url"), [
    ({}, "https://docs.nvidia.com/nemo/gym/latest/"),
    ({"DOCS_BASE_URL": "https://gym.example.com/docs"}, "https://gym.example.com/docs/"),
    ({"READTHEDOCS_CANONICAL_URL": "https://nemo-gym.readthedocs.io/en/latest/"},
     "https://nemo-gym.readthedocs.io/en/latest/"),
    ({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "NVIDIA-NeMo/Gym"}, "https://nvidia-nemo.github.io/Gym/"),
], ids=["default", "explicit", "read-the-docs", "github-pages"])
def test_canonical_urls_sitemap_and_previews_share_one_base_url(env, base_url):
    settings = conf(**env)
    assert settings["html_baseurl"] == base_url
    assert settings["ogp_site_url"] == base_url
