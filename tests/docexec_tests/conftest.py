"""The console-block harness in the test suite: the environment the blocks run in. The
report and its totals are :mod:`docexec_tests.report`'s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docexec.run import default_environment
from docexec.sandbox import Environment
from gym_runtime.runtime import RUN_MARKER as RUNTIME_MARKER

ROOT = Path(__file__).resolve().parents[2]
@pytest.fixture(scope="session")
def exec_environment(request) -> Iterator[Environment]:
    """The pinned release's ``python`` and ``gym`` first on PATH and, when the real runtime
    and its stand-in policy are available, their variables and ``env.yaml`` in every sandbox.
    Servers a page starts may keep running for the next page; all stop at session end."""
    environment = default_environment(ROOT)
    try:
        make_sandbox = request.getfixturevalue("gym_sandbox")
    except (pytest.FixtureLookupError, pytest.skip.Exception):
        yield environment
        return
    gym = make_sandbox("docexec")
    # The runtime's run id too: the session's cleanup then stops anything a page left running.
    environment.variables.update(
        {k: v for k, v in gym.environ.items()
         # SSL_CERT_*: uv reaches PyPI over TLS to build a server venv on a first start.
         if k.startswith(("UV_", "RAY_", "SSL_CERT_")) or k in ("PATH", RUNTIME_MARKER)})
    environment.files["env.yaml"] = (gym.path / "env.yaml").read_text(encoding="utf-8")
    # `gym env test <workload>` reads no env.yaml, so its uv cache is the project's cache/uv:
    # linked to the runtime's, it installs from there instead of downloading from PyPI.
    environment.links["cache/uv"] = gym.runtime.uv_cache_dir
    environment.rewrites.update(documented_rewrites(gym.policy_url, gym.head_port))
    try:
        yield environment
    finally:
        environment.servers.stop()


def documented_rewrites(policy_url: str | None, head_port: int) -> dict[str, str]:
    """The substitutions docs/contributing.md documents: the policy URL the pages assume
    becomes the stand-in policy's, and the default head-server port the sandbox's own."""
    rewrites = {}
    if policy_url:
        # 8001: the judge endpoint of multi-model-setups; the stand-in answers it too.
        for page_url in ("http://localhost:8000/v1", "http://127.0.0.1:8000/v1",
                         "http://localhost:8001/v1"):
            rewrites[page_url] = policy_url
    for host in ("127.0.0.1", "localhost"):
        rewrites[f"{host}:11000"] = f"127.0.0.1:{head_port}"
    return rewrites
