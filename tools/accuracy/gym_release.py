"""Fetch and unpack the nemo-gym release the docs describe, for reading only.

The docs are checked against the released wheel's source. The wheel needs a
newer Python than the docs toolchain, so it is never installed or imported:
it is downloaded for a foreign target with ``pip download`` and unpacked into
a cache outside the sources, then read as text and with ``ast``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # tools/accuracy/ -> the repository
# The wheel declares Requires-Python >= 3.13.14; pip needs a target that satisfies it.
WHEEL_PYTHON_TARGET = "3.13.14"


class ReleaseUnavailable(RuntimeError):
    """The release could not be downloaded or unpacked; the message says why."""


def pinned_version(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> str:
    """The nemo-gym version the docs describe (``[tool.nemo-gym-docs] gym_version``)."""
    with pyproject.open("rb") as f:
        return tomllib.load(f)["tool"]["nemo-gym-docs"]["gym_version"]


def cache_root() -> Path:
    base = os.environ.get("NEMO_GYM_DOCS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nemo-gym-docs"
    )
    return Path(base)


def release_dir(version: str | None = None) -> Path:
    """Return the unpacked wheel for ``version``, downloading it on first use.

    Raises ReleaseUnavailable with pip's own explanation when the download fails
    (no network, unknown version).
    """
    version = version or pinned_version()
    target = cache_root() / f"nemo-gym-{version}"
    marker = target / ".complete"
    if marker.exists():
        return target
    download_dir = cache_root() / "wheels"
    download_dir.mkdir(parents=True, exist_ok=True)
    wheel = _find_wheel(download_dir, version)
    if wheel is None:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", WHEEL_PYTHON_TARGET, f"nemo-gym=={version}",
            "-d", str(download_dir), "--quiet", "--disable-pip-version-check",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wheel = _find_wheel(download_dir, version)
        if proc.returncode != 0 or wheel is None:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise ReleaseUnavailable(
                f"could not download nemo-gym=={version} from the package index "
                f"({detail[-1] if detail else 'no output from pip'}). The accuracy checks "
                f"read the released source; connect to the index or set NEMO_GYM_DOCS_CACHE "
                f"to a directory that holds nemo-gym-{version}/ unpacked."
            )
    try:
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(target)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReleaseUnavailable(f"could not unpack {wheel}: {exc}") from exc
    marker.write_text(version)
    return target


def _find_wheel(directory: Path, version: str) -> Path | None:
    matches = sorted(directory.glob(f"nemo_gym-{version}-*.whl"))
    return matches[0] if matches else None


if __name__ == "__main__":
    try:
        print(release_dir(sys.argv[1] if len(sys.argv) > 1 else None))
    except ReleaseUnavailable as exc:
        sys.exit(f"error: {exc}")
