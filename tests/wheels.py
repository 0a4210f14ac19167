"""Wheels for a fresh virtualenv, made offline: the tool's own from the checkout (by its real build
backend, so its package discovery and package data are what is tested), and each of its dependencies
from the copy installed in this virtualenv (its files, as its RECORD lists them)."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

LEFT_OUT = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}  # this install's, not the package's


def build_tool(source: Path, into: Path) -> Path:
    """The tool's wheel, built from a checkout by setuptools with no network."""
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "--wheel-dir", str(into), str(source)], check=True, capture_output=True,
                   env={"PIP_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin"}, cwd=into)  # fmt: skip
    return max(into.glob("followup-*.whl"), key=lambda p: p.stat().st_mtime)


def dependencies(name: str = "followup") -> list[metadata.Distribution]:
    """Every distribution `name` needs to run, as installed here (no extras)."""
    found: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        dist = metadata.distribution(todo.pop())
        for line in dist.requires or []:
            need = Requirement(line)
            key = _canonical(need.name)
            if key in found or (need.marker is not None and not need.marker.evaluate({"extra": ""})):
                continue
            found[key] = metadata.distribution(need.name)
            todo.append(need.name)
    return list(found.values())


def wheel_of(dist: metadata.Distribution, into: Path) -> Path:
    """An installed distribution packed back into a wheel (the files its RECORD lists inside
    site-packages; scripts are made again by pip from its entry points)."""
    site = Path(str(dist.locate_file("")))
    info = Path(str(dist._path))  # type: ignore[attr-defined]  # its .dist-info folder
    tags = [line.split(":", 1)[1].strip() for line in (info / "WHEEL").read_text().splitlines()
            if line.startswith("Tag:")]  # fmt: skip
    name, version = _canonical(dist.metadata["Name"]).replace("-", "_"), dist.version
    path = into / f"{name}-{version}-{_compressed(tags) if tags else 'py3-none-any'}.whl"
    files = [Path(str(f)) for f in dist.files or [] if not str(f).startswith("..")]
    files = [
        f for f in files if f.suffix != ".pyc" and not (f.parent == Path(info.name) and f.name in LEFT_OUT)
    ]
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for relative in files:
            data = (site / relative).read_bytes()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            wheel.writestr(relative.as_posix(), data)
            record.append(f"{relative.as_posix()},sha256={digest},{len(data)}")
        record.append(f"{info.name}/RECORD,,")
        wheel.writestr(f"{info.name}/RECORD", "\n".join(record) + "\n")
    return path


def _compressed(tags: list[str]) -> str:
    """Tags as a wheel's file name joins them: py2-none-any and py3-none-any are py2.py3-none-any."""
    parts = [tag.split("-") for tag in tags]
    return "-".join(".".join(dict.fromkeys(part[i] for part in parts)) for i in range(3))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
