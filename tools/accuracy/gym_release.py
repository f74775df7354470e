"""Fetch and unpack the nemo-gym release the docs describe, for reading only.

The docs are checked against the released wheel's source. The wheel needs a
newer Python than the docs toolchain, so it is never installed or imported:
it is downloaded for a foreign target with ``pip download`` and unpacked into
a cache outside the sources, then read as text and with ``ast``.

The cache (``NEMO_GYM_DOCS_CACHE``, else ``~/.cache/nemo-gym-docs``) holds
``wheels/nemo_gym-<version>-*.whl`` and the unpacked ``nemo-gym-<version>/``.
An unpacked release counts when it holds the files the checks read, however it
got there; a broken one is unpacked again from the wheel, and a wheel that is
not a valid zip file is deleted and downloaded again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # tools/accuracy/ -> the repository
# The wheel declares Requires-Python >= 3.13.14; pip needs a target that satisfies it.
WHEEL_PYTHON_TARGET = "3.13.14"
# The files of a release the accuracy checks cannot do without.
REQUIRED_FILES = ("nemo_gym/cli/main.py", "nemo_gym/cli/legacy.py", "nemo_gym/global_config.py")


class ReleaseUnavailable(RuntimeError):
    """The release could not be downloaded or unpacked; the message says why and what to do."""


def pinned_version(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> str:
    """The nemo-gym version the docs describe (``[tool.nemo-gym-docs] gym_version``)."""
    try:
        with pyproject.open("rb") as f:
            version = tomllib.load(f).get("tool", {}).get("nemo-gym-docs", {}).get("gym_version")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReleaseUnavailable(f"cannot read {pyproject}: {exc}.") from exc
    if not isinstance(version, str) or not version.strip():
        raise ReleaseUnavailable(
            f"{pyproject} names no nemo-gym release: add 'gym_version = \"0.7.0\"' (the release the docs "
            "describe) under [tool.nemo-gym-docs].")
    return version.strip()


def cache_root() -> Path:
    base = os.environ.get("NEMO_GYM_DOCS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nemo-gym-docs"
    )
    return Path(base)


def unpacked_dir(version: str) -> Path:
    return cache_root() / f"nemo-gym-{version}"


def wheels_dir() -> Path:
    return cache_root() / "wheels"


def missing_files(directory: Path) -> list[str]:
    """The required release files that ``directory`` lacks (all of them when it does not exist)."""
    return [name for name in REQUIRED_FILES if not (directory / name).is_file()]


def is_cached(version: str) -> bool:
    """True when the release can be read without the network: unpacked, or its wheel is cached."""
    return not missing_files(unpacked_dir(version)) or _find_wheel(wheels_dir(), version) is not None


def offline_advice(version: str) -> str:
    """How to fill the cache by hand, which is also how to check without the network."""
    return (f"To fill the cache without the network, copy the wheel nemo_gym-{version}-py3-none-any.whl "
            f"(from 'pip download --no-deps nemo-gym=={version} --only-binary=:all: --python-version "
            f"{WHEEL_PYTHON_TARGET}' on a connected machine) into {wheels_dir()}/; set NEMO_GYM_DOCS_CACHE "
            "to use another cache directory.")


def release_dir(version: str | None = None, download: bool = True) -> Path:
    """Return the unpacked wheel for ``version``, unpacking or downloading it when needed.

    With ``download=False`` only the cache is used. Raises ReleaseUnavailable, saying what
    to do, when the release cannot be had (no network, unknown version, broken wheel).
    """
    version = version or pinned_version()
    target = unpacked_dir(version)
    if not missing_files(target):
        return target
    for attempt in range(2):  # a broken cached wheel is deleted and fetched once more
        wheel = _find_wheel(wheels_dir(), version)
        if wheel is None:
            if not download:
                raise ReleaseUnavailable(f"nemo-gym {version} is not in the cache ({cache_root()}). Fill it "
                                         "with 'docs-accuracy facts', which downloads the release once. "
                                         + offline_advice(version))
            wheel = _download(version)
        try:
            return _unpack(wheel, target, version)
        except zipfile.BadZipFile as exc:
            wheel.unlink(missing_ok=True)
            if attempt or not download:
                raise ReleaseUnavailable(f"the cached wheel {wheel.name} was not a valid wheel ({exc}) and has "
                                         "been deleted; 'docs-accuracy facts' downloads it anew. "
                                         + offline_advice(version)) from exc
    raise AssertionError("unreachable")


def _download(version: str) -> Path:
    wheels_dir().mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--python-version", WHEEL_PYTHON_TARGET, f"nemo-gym=={version}",
        "-d", str(wheels_dir()), "--quiet", "--disable-pip-version-check",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReleaseUnavailable(f"could not run pip to download nemo-gym=={version} ({exc}). "
                                 + offline_advice(version)) from exc
    wheel = _find_wheel(wheels_dir(), version)
    if proc.returncode != 0 or wheel is None:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise ReleaseUnavailable(
            f"could not download nemo-gym=={version} from the package index "
            f"({detail[-1][:160] if detail else 'no output from pip'}). The accuracy checks read the released "
            "source. " + offline_advice(version))
    return wheel


def _unpack(wheel: Path, target: Path, version: str) -> Path:
    """Unpack ``wheel`` into ``target`` through a temporary folder, so a failed unpack leaves
    no partial release behind."""
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(partial)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise ReleaseUnavailable(f"could not unpack {wheel} into {partial}: {exc}.") from exc
    except zipfile.BadZipFile:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    missing = missing_files(partial)
    if missing:
        shutil.rmtree(partial, ignore_errors=True)
        raise ReleaseUnavailable(f"the nemo-gym {version} wheel has no {missing[0]}; the accuracy checks read "
                                 "releases laid out like 0.7.0. Pin a release that has it in pyproject.toml.")
    shutil.rmtree(target, ignore_errors=True)  # a broken earlier unpack
    partial.rename(target)
    (target / ".complete").write_text(version)
    return target


def _find_wheel(directory: Path, version: str) -> Path | None:
    matches = sorted(directory.glob(f"nemo_gym-{version}-*.whl")) if directory.is_dir() else []
    return matches[0] if matches else None


if __name__ == "__main__":
    try:
        print(release_dir(sys.argv[1] if len(sys.argv) > 1 else None))
    except ReleaseUnavailable as exc:
        sys.exit(f"error: {exc}")
