"""The Get started pages' generated parts: the clone command from the checkout's own git remote, and
the links to the mail settings of each provider the guide has a page for."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import NamedTuple

# The provider pages (content/tool/providers/), in the order the mail step lists them.
PROVIDERS = (("gmail", "Gmail"), ("outlook", "Outlook and Microsoft 365"), ("fastmail", "Fastmail"),
             ("icloud", "iCloud Mail"), ("proton", "Proton Mail"))  # fmt: skip
_SCP = re.compile(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+?)(?:\.git)?/?$")  # git@host:owner/name.git


class Repository(NamedTuple):
    """Where this checkout came from: the clone address, its web page (for the header) and the docs."""

    clone: str | None
    web: str | None
    docs: Path


def repository(checkout: Path, named: str | None, docs: Path) -> Repository:
    """The repository as FOLLOWUP_REPO_URL names it, else as the checkout's `origin` remote does."""
    clone = named or _public(_origin(checkout))
    return Repository(clone, _web(clone) if clone else None, docs)


def _public(address: str | None) -> str | None:
    """The remote if a reader elsewhere could clone it (a URL, or host:path), not a folder on this
    machine (a clone of a clone): a guide published from there would show a path no reader has."""
    if address is None or address.startswith("file:"):
        return None
    return address if "://" in address or _SCP.match(address) else None


def _origin(checkout: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), "remote", "get-url", "origin"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):  # no git on this machine: no address to give
        return None
    address = done.stdout.strip()
    return address if done.returncode == 0 and address else None


def _web(clone: str) -> str | None:
    """The address a browser opens: an https remote as it is, git@host:path as https://host/path."""
    if clone.startswith(("https://", "http://")):
        return clone.removesuffix(".git")
    found = _SCP.match(clone)
    if found and "/" not in found[1]:
        return f"https://{found[1]}/{found[2]}"
    return None  # a path on this machine, or a protocol no browser opens


def part_clone(clone: str | None) -> str:
    """The clone command, with the address this guide was built from; nothing when it has none."""
    if not clone:
        return (
            "This copy of the guide was built from a checkout with no public git remote, so it cannot name "
            "the repository's address: open a terminal in the folder you have, and go on below."
        )
    return f"```sh\ngit clone {clone} followup\ncd followup\n```"


def part_providers(docs: Path) -> str:
    """A link to each provider page the guide has, and to the general SMTP page."""
    links = [f"[{name}](../providers/{slug}.md)" for slug, name in PROVIDERS
             if (docs / "tool" / "providers" / f"{slug}.md").is_file()]  # fmt: skip
    general = "[SMTP and Gmail](../smtp.md)"
    if (docs / "tool" / "providers" / "index.md").is_file():
        general = "[the list of providers](../providers/index.md)"
    if not links:
        return f"Your provider's server, port and security are on {general}."
    return f"Settings for {', '.join(links)}; for another provider, see {general}."
