"""Which articles changed since a git ref, for ``qa check --changed-since REF``.

"Changed" means what a pull request would show plus what is not committed yet: the difference
between the working tree and the point where the current branch left REF (their merge base, so
that work merged into ``origin/main`` after the branch started does not count), and untracked
files git does not ignore. A renamed file counts as its new path changed and its old path
deleted. When REF and HEAD share no history (a shallow clone), REF itself is the base.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.corpus.model import ArticlePair
from qa.errors import InputError


@dataclass(frozen=True)
class ChangedFiles:
    """Absolute paths of the files added, modified or renamed (``changed``) and deleted or
    renamed away (``deleted``), each sorted."""

    changed: tuple[Path, ...]
    deleted: tuple[Path, ...]


def changed_in_repositories(ref: str, paths: Iterable[str | Path]) -> ChangedFiles:
    """The files changed since ``ref`` in every git repository that holds one of ``paths``:
    the checked paths' own repositories, wherever qa is run from.

    Raises InputError as ``changed_files`` does, for the first path that is not in a repository
    or whose repository does not know ``ref``.
    """
    tops = dict.fromkeys(repository_top(Path(path)) for path in paths)
    found = [_changes_in(ref, top) for top in tops]
    return ChangedFiles(
        tuple(sorted({path for changes in found for path in changes.changed})),
        tuple(sorted({path for changes in found for path in changes.deleted})),
    )


def changed_files(ref: str, root: Path) -> ChangedFiles:
    """The files changed since ``ref`` in the git repository holding ``root``.

    Runs ``git diff --name-status -z BASE --`` (BASE the merge base of ``ref`` and HEAD) and
    ``git ls-files --others --exclude-standard -z``. Raises InputError when git is missing,
    ``root`` is not in a repository or ``ref`` names no commit.
    """
    return _changes_in(ref, repository_top(root))


def repository_top(path: Path) -> Path:
    """The top folder of the git repository holding ``path`` (a file or a folder)."""
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise InputError("no such file or folder", str(path))
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top is None:
        raise InputError(f"not a git repository: {folder.resolve()}")
    return Path(top.strip())


def _changes_in(ref: str, top_folder: Path) -> ChangedFiles:
    # A ref starting with "-" would be read as an option.
    if ref.startswith("-") or not ref or _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top_folder) is None:
        raise InputError(f"unknown git ref {ref!r} in {top_folder} (in CI, fetch the history, e.g. fetch-depth: 0)")
    base = (_git(["merge-base", ref, "HEAD"], top_folder) or ref).strip()
    diff = _git(["diff", "--name-status", "-z", "--find-renames", base, "--"], top_folder)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top_folder)
    if diff is None or untracked is None:
        raise InputError(f"git could not list the changes since {ref!r} in {top_folder}")
    changed, deleted = parse_name_status(diff)
    changed += [name for name in untracked.split("\0") if name]
    return ChangedFiles(
        tuple(sorted({(top_folder / name).resolve() for name in changed})),
        tuple(sorted({(top_folder / name).resolve() for name in deleted})),
    )


def parse_name_status(output: str) -> tuple[list[str], list[str]]:
    """Changed and deleted paths from ``git diff --name-status -z`` output.

    Records are NUL-separated: a status, then one path, or two for renames and copies (R/C).
    """
    fields = output.split("\0")
    changed: list[str] = []
    deleted: list[str] = []
    k = 0
    while k < len(fields) and fields[k]:
        status = fields[k][0]
        if status in "RC":
            old, new = fields[k + 1], fields[k + 2]
            changed.append(new)
            if status == "R":
                deleted.append(old)
            k += 3
        else:
            (deleted if status == "D" else changed).append(fields[k + 1])
            k += 2
    return changed, deleted


def affected_pairs(pairs: Sequence[ArticlePair], changed: Iterable[str | Path]) -> list[ArticlePair]:
    """The pairs whose source or translation file is among ``changed``, in their order.

    Pass ``ChangedFiles.changed``: a deleted file has no article left to check. A pair is
    kept whole when only one side changed, as the other side is needed to check it.
    """
    wanted = {Path(path).resolve() for path in changed}
    return [pair for pair in pairs if wanted & _pair_files(pair)]


def _pair_files(pair: ArticlePair) -> set[Path]:
    return {Path(article.path).resolve() for article in (pair.source, pair.target) if article is not None}


def _git(arguments: list[str], cwd: Path) -> str | None:
    """stdout of a git command, or None when it failed (an unknown ref, no repository...)."""
    try:
        completed = subprocess.run(
            ["git", *arguments], cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False
        )
    except FileNotFoundError:
        raise InputError("git is not installed (needed for --changed-since)") from None
    return completed.stdout if completed.returncode == 0 else None
