"""Build ``.gym-runtime/``: the pinned nemo-gym in a Python 3.13 virtualenv, with ``uv``.

``make gym-runtime`` runs this with the docs toolchain's Python:

    python -m tests.gym_runtime.build --python /path/to/python3.13 --dest .gym-runtime

Steps: make the virtualenv; install ``uv`` into it with pip (from PyPI); write ``uv.toml``;
install nemo-gym and pytest with that ``uv``, into the shared uv cache that ``gym env start``
later builds the server virtualenvs from. Both are installed with their bytecode compiled, so
no ``gym`` command spends seconds compiling its imports (scipy, pandas, openai), and the test
process, which may run with ``PYTHONDONTWRITEBYTECODE=1``, finds them compiled too. The release
declares ``Requires-Python >= 3.13.14``, newer than the 3.13 available here; ``uv.toml``
resolves for that floor (``[pip] python-version``) instead of refusing, and forbids
interpreter downloads. A stamp file records what was installed; a matching stamp makes the
build a no-op. Any failure removes the partial runtime and exits 1 with the reason, so the
tests that need it skip and say why.
"""

from __future__ import annotations

import argparse
import email
import os
import shutil
import subprocess
import sys
from pathlib import Path

from accuracy.gym_release import ReleaseUnavailable, pinned_version, release_dir

UV_VERSION = "0.13.9"


def requires_python_floor(version: str) -> str:
    """The lowest Python the release accepts, read from its wheel's metadata (``>=3.13.14`` -> ``3.13.14``)."""
    metadata = release_dir(version) / f"nemo_gym-{version}.dist-info" / "METADATA"
    spec = email.message_from_string(metadata.read_text(encoding="utf-8"))["Requires-Python"] or ""
    return spec.strip().removeprefix(">=").split(",")[0].strip() or "3.13"


def uv_toml(floor: str) -> str:
    return f'python-downloads = "never"\n\n[pip]\npython-version = "{floor}"\n'


def run(*command: str | Path, env: dict | None = None) -> None:
    subprocess.run([str(c) for c in command], check=True, env=env)


def build(python: Path, dest: Path) -> str:
    version = pinned_version()
    stamp = f"nemo-gym=={version} uv=={UV_VERSION} bytecode"
    if (dest / ".installed").is_file() and (dest / ".installed").read_text().strip() == stamp:
        return f"{dest} is up to date ({stamp})"
    floor = requires_python_floor(version)
    shutil.rmtree(dest, ignore_errors=True)
    print(f"Installing {stamp} into {dest} with {python}", flush=True)
    run(python, "-m", "venv", dest)
    run(dest / "bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"uv=={UV_VERSION}")
    (dest / "uv.toml").write_text(uv_toml(floor))
    env = {**os.environ, "UV_CONFIG_FILE": str(dest / "uv.toml"), "UV_CACHE_DIR": str(dest / "uv-cache")}
    run(dest / "bin/uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", dest / "bin/python",
        f"nemo-gym=={version}", "pytest", env=env)
    (dest / ".installed").write_text(stamp + "\n")
    return f"Installed {stamp} into {dest}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", type=Path, required=True, help="a Python 3.13 interpreter")
    parser.add_argument("--dest", type=Path, default=Path(".gym-runtime"))
    args = parser.parse_args(argv)
    try:
        print(build(args.python, args.dest.absolute()))
    except (subprocess.CalledProcessError, ReleaseUnavailable, OSError) as exc:
        shutil.rmtree(args.dest, ignore_errors=True)
        print(f"error: could not build {args.dest}: {exc}. The tests that run NeMo Gym itself will skip.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
