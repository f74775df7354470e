"""pytest fixtures that run the pinned NeMo Gym for real against the stand-in policy.

``tests/conftest.py`` imports them, so every test module can use them:

- ``gym_runtime``: the :class:`~tests.gym_runtime.runtime.GymRuntime` (skips when none is built).
- ``standin_policy``: the deterministic policy endpoint, serving on a free loopback port for the
  whole session (``.base_url`` ends in ``/v1``; ``.answer_key.add_file(path)`` teaches it more tasks).
- ``ray_cluster``: the :class:`~tests.gym_runtime.runtime.RayCluster` every sandbox's commands
  join, started once per test process.
- ``gym_sandbox``: a factory ``gym_sandbox(name)`` of :class:`~tests.gym_runtime.runtime.Sandbox`
  directories with the runtime's ``env.yaml`` (free head-server port, policy URL, the test
  process's server venvs) that join ``ray_cluster``; ``sandbox.gym(...)`` runs a command,
  ``sandbox.start(...)`` starts servers.
- ``gym_servers``: a factory ``gym_servers(name, *env_start_args)`` that starts ``gym env start``
  in a new sandbox, waits until every server is ready and returns ``(sandbox, servers)``. The
  same name and arguments return the already-running servers. Everything is stopped at session end.
- ``single_tool_call_servers``: one ``gym env start`` serving ``example_single_tool_call`` and
  ``mcqa`` (``--resources-server mcqa``) with the ``vllm_model`` policy server: 7 servers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from . import policy
from .runtime import GymRuntime, GymServers, RayCluster, RuntimeUnavailable, Sandbox, find_runtime, free_port

# A test process's first start builds its server virtualenvs (from PyPI the first time, else from
# the uv cache); later starts and runs reuse them.
FIRST_START_TIMEOUT = float(os.environ.get("GYM_RUNTIME_START_TIMEOUT", "900"))


@pytest.fixture(scope="session")
def gym_runtime() -> GymRuntime:
    try:
        return find_runtime(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    except RuntimeUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def standin_policy(gym_runtime: GymRuntime) -> Iterator[policy.StandinServer]:
    server = policy.make_server("127.0.0.1", 0, policy.release_task_files(gym_runtime.install_root))
    thread = threading.Thread(target=server.serve_forever, name="standin-policy", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def ray_cluster(gym_runtime) -> Iterator[RayCluster]:
    try:
        cluster = RayCluster.start(gym_runtime)
    except RuntimeUnavailable:
        # On a loaded machine Ray's start can time out; a second try gets a fresh temp dir and ports.
        try:
            cluster = RayCluster.start(gym_runtime)
        except RuntimeUnavailable as exc:
            pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def gym_sandbox(gym_runtime, standin_policy, ray_cluster, tmp_path_factory) -> Iterator:
    made: list[Sandbox] = []

    def make(name: str) -> Sandbox:
        sandbox = Sandbox(gym_runtime, tmp_path_factory.mktemp(name), free_port(), standin_policy.base_url,
                          ray=ray_cluster)
        made.append(sandbox)
        return sandbox

    try:
        yield make
    finally:
        for sandbox in made:
            sandbox.cleanup()


@pytest.fixture(scope="session")
def gym_servers(gym_sandbox) -> Iterator:
    running: dict[tuple, tuple[Sandbox, GymServers]] = {}

    def start(name: str, *args: str, timeout: float = FIRST_START_TIMEOUT) -> tuple[Sandbox, GymServers]:
        key = (name, *args)
        if key not in running:
            sandbox = gym_sandbox(name)
            servers = sandbox.start(*args)
            running[key] = (sandbox, servers)
            try:
                servers.wait_ready(timeout)
            except BaseException:
                servers.stop()
                raise
        return running[key]

    try:
        yield start
    finally:
        for _, servers in running.values():
            servers.stop()


@pytest.fixture(scope="session")
def single_tool_call_servers(gym_servers) -> tuple[Sandbox, GymServers]:
    return gym_servers("collection", "--environment", "example_single_tool_call", "--resources-server", "mcqa",
                       "--model-type", "vllm_model")
