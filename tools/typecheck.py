"""Run mypy on the `rufc` package as it is installed (`rufc.frontend` -> frontend/, ...).

The repository keeps the package's parts in top-level folders mapped by setuptools'
`package-dir`; mypy cannot follow that mapping (nor an editable install's import
hook), so this script lays the package out as installed, with symbolic links into a
temporary directory, and checks it there. Paths in mypy's messages are mapped back
to the repository's files.

    python3 tools/typecheck.py [extra mypy arguments]
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_dirs() -> dict[str, Path]:
    """`rufc.x` -> folder, from pyproject.toml's package-dir table."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    table = conf["tool"]["setuptools"]["package-dir"]
    return {name: ROOT / folder for name, folder in table.items()}


def lay_out(dest: Path) -> None:
    """Symlink every package's .py files under dest/<dotted path>/."""
    for name, folder in package_dirs().items():
        target = dest.joinpath(*name.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for py in folder.rglob("*.py"):
            rel = py.relative_to(folder)
            if "__pycache__" in rel.parts:
                continue
            link = target / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                os.symlink(py, link)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="rufc-mypy-") as tmp:
        lay_out(Path(tmp))
        cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "-p", "rufc", *argv]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        out = proc.stdout + proc.stderr
        for name, folder in sorted(package_dirs().items(), key=lambda kv: -len(kv[0])):
            out = out.replace(name.replace(".", "/") + "/", os.path.relpath(folder, ROOT) + "/")
        sys.stdout.write(out)
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
