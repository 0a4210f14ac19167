"""Where your mail settings keep their secrets, which no data file and no `template:` may ever be.

Secret: every file a FOLLOWUP_* setting about a password, an OAuth2 token or a token names (a
`FOLLOWUP_*_PASSWORD_FILE`, a path in a `FOLLOWUP_*_OAUTH2_COMMAND`), the settings file itself
(`FOLLOWUP_ENV`), and everything in the folder of your settings (`~/.config/followup`, or under
$XDG_CONFIG_HOME). A CA file is public: it stays readable wherever it is. A path is held against them
with every link followed (a symlink, a `..`) and as the file itself (a hard link), and refused unread,
so that no error can quote a secret back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

# The words in a setting's name that say its value is, or leads to, a secret.
_SECRET_WORDS = ("PASSWORD", "OAUTH2", "TOKEN")
_FOLDER_FILES = 256  # files looked at in the settings' folder: a handful in practice, never a long walk


class Secrets:
    """The places of your secrets: files (each with the setting that names it) and folders, less the
    public files (CA files) among them."""

    __slots__ = ("_files", "_folders", "_ids", "_public")

    def __init__(
        self, files: Mapping[Path, str] | Iterable[Path] = (), folders: Iterable[Path] = (),
        public: Iterable[Path] = (),
    ) -> None:  # fmt: skip
        named = files if isinstance(files, Mapping) else {path: "a FOLLOWUP_*_FILE" for path in files}
        self._public = {_real(path) for path in public}
        self._files = {_real(path): setting for path, setting in named.items()}
        self._folders = {_real(folder): folder for folder in folders}
        self._ids: dict[tuple[int, int], str] = {}
        for real, setting in self._files.items():
            self._note(Path(real), _file_reason(setting))
        for real, folder in self._folders.items():
            for path in _files_in(Path(real)):
                if _real(path) not in self._public:
                    self._note(path, _folder_reason(folder))

    def _note(self, path: Path, reason: str) -> None:
        try:
            found = os.stat(path)
        except OSError:
            return
        self._ids.setdefault((found.st_dev, found.st_ino), reason)

    def __bool__(self) -> bool:
        return bool(self._files or self._folders)

    def why(self, path: Path | str) -> str | None:
        """Why this path is a secret ("a file of …", "inside …"), or None when it is not one."""
        if not self:
            return None
        real = _real(path)
        if real in self._public:
            return None
        if real in self._files:
            return _file_reason(self._files[real])
        for inside, folder in self._folders.items():
            if real == inside or real.startswith(inside.rstrip(os.sep) + os.sep):
                return _folder_reason(folder)
        try:
            found = os.stat(path)
        except OSError:
            return None
        return self._ids.get((found.st_dev, found.st_ino))  # the same file by another name (a hard link)


def from_settings(env: Mapping[str, str], home: Path) -> Secrets:
    """The places of your secrets, from the settings (`env`, as the CLI passes it) and your home folder."""
    files: dict[Path, str] = {}
    public: list[Path] = []
    for name, value in sorted(env.items()):
        if not name.startswith("FOLLOWUP_") or not value:
            continue
        if name.endswith("_CA_FILE"):
            public.append(Path(value).expanduser())
        elif name.endswith("_FILE") or name == "FOLLOWUP_ENV":
            files[Path(value).expanduser()] = name
        elif any(word in name for word in _SECRET_WORDS) and not name.endswith("_PASSWORD"):  # not a path
            files.update((path, name) for path in _paths_in(value))
    config = env.get("XDG_CONFIG_HOME") or str(home / ".config")
    folders = {Path(config) / "followup", home / ".config" / "followup"}
    return Secrets(files, sorted(folders), public)


def _paths_in(command: str) -> list[Path]:
    """The words of a command (or a value) that name a file: with a `/` in them, or after `--x=`."""
    # late: only a setting that names a command (an OAuth2 token command) is split into words
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:  # an unbalanced quote: the command fails on its own; its words still count
        words = command.split()
    found = []
    for word in words:
        for part in (word, word.partition("=")[2]):
            if os.sep in part or part.startswith("~"):
                found.append(Path(part).expanduser())
    return found


def _files_in(folder: Path) -> list[Path]:
    """The files in a folder and below, a bounded number (none when it cannot be read)."""
    found: list[Path] = []
    for top, _, names in os.walk(folder):
        found += [Path(top) / name for name in names]
        if len(found) >= _FOLDER_FILES:
            break
    return found[:_FOLDER_FILES]


def _real(path: Path | str) -> str:
    return os.path.realpath(Path(path).expanduser())


def _file_reason(setting: str) -> str:
    if setting.endswith("_FILE") and setting.startswith("FOLLOWUP_") and "*" not in setting:
        return f"a file of your settings' secrets (a FOLLOWUP_*_FILE: {setting})"
    if setting == "FOLLOWUP_ENV":
        return "your settings file (FOLLOWUP_ENV), which holds secrets"
    if "*" in setting:
        return f"a file of your settings' secrets ({setting})"
    return f"a file of your settings' secrets (named in {setting})"


def _folder_reason(folder: Path) -> str:
    return f"inside {folder}, the folder of your mail settings and their secrets"
