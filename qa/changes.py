"""Which articles changed since a git ref, for ``qa check --changed-since REF``.

"Changed" means what a pull request would show plus what is not committed yet: the difference
between the working tree and the point where the current branch left REF (their merge base, so
that work merged into ``origin/main`` after the branch started does not count), and untracked
files git does not ignore. A renamed file counts as its new path changed and its old path
deleted. When REF and HEAD share no history (a shallow clone), REF itself is the base.

Also reads one file as a ref holds it, for ``qa check --baseline-ref REF``, and finds the
other side of an article a commit touches alone (the pre-commit hook names only staged files).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.config import enclosing_repository
from qa.corpus.model import ArticlePair
from qa.errors import InputError
from qa.langid import identify_beside_names

GIT_MISSING = "git is not installed (needed for --changed-since and --baseline-ref)"


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
    or whose repository does not know ``ref``. A path's repository is found by its name, so a
    symbolic link among the checked paths never sends git into another repository.
    """
    tops = dict.fromkeys(repository_top(_named_repository(Path(path))) for path in paths)
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


def _named_repository(path: Path) -> Path:
    """The top folder of the repository holding ``path`` by its name (``.git`` in it or a parent,
    a symbolic link in ``path`` not followed); InputError outside git."""
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise InputError("no such file or folder", str(path))
    top = enclosing_repository(path)
    if top is None:
        raise InputError(f"not a git repository: {folder.resolve()}")
    return top


def repository_top(path: Path) -> Path:
    """The top folder of the git repository holding ``path`` (a file or a folder)."""
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise InputError("no such file or folder", str(path))
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top is None:
        raise InputError(f"not a git repository: {folder.resolve()}")
    return Path(top.strip())


def _commit(ref: str, top_folder: Path) -> str:
    """The commit ``ref`` names in the repository at ``top_folder``; InputError when it names none."""
    # A ref starting with "-" would be read as an option.
    found = None if ref.startswith("-") or not ref else _git(
        ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top_folder)
    if found is None:
        raise InputError(f"unknown git ref {ref!r} in {top_folder} (in CI, fetch the history, e.g. fetch-depth: 0)")
    return found.strip()


def _changes_in(ref: str, top_folder: Path) -> ChangedFiles:
    _commit(ref, top_folder)
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


def with_partners(
    pairs: Sequence[ArticlePair], named: Iterable[str | Path], read_tree: Callable[[Path], list[ArticlePair]],
) -> list[ArticlePair]:
    """``pairs`` with each one-sided pair of a named file completed by its other side from the
    file's git working tree, as ``--changed-since`` would pair it.

    A commit may touch only the Spanish original (or only the translation) of an article; the
    pre-commit hook then names that one file. ``read_tree(top)`` reads a repository's articles as
    qa reads any folder (settings, ignore patterns and link rules applied). A file outside git,
    or whose other side is nowhere in its tree, keeps its one-sided pair.
    """
    files = {Path(path).resolve() for path in named if Path(path).is_file()}
    lone = [path for pair in pairs if (pair.source is None) != (pair.target is None)
            for path in _pair_files(pair) if path in files]
    if not lone:
        return list(pairs)
    tops = sorted({top for top in map(enclosing_repository, lone) if top is not None})
    found = [pair for top in tops for pair in affected_pairs(read_tree(top), lone)
             if pair.source is not None and pair.target is not None]
    partner_of = {path: pair for pair in found for path in _pair_files(pair) if path in lone}
    completed: list[ArticlePair] = []
    for pair in pairs:
        whole = next((partner_of[path] for path in _pair_files(pair) if path in partner_of), pair)
        if whole not in completed:
            completed.append(whole)
    return completed


def only_untranslated_sources(pairs: Sequence[ArticlePair], named: Sequence[str | Path], src_lang: str,
                              tgt_lang: str) -> bool:
    """Whether ``named`` are files only (no folder) and each was read as a source with no
    translation anywhere, in text the language identifier confirms is ``src_lang``.

    Committing a new Spanish original before its translation exists is ordinary work, not a
    wrong ``--src-lang``: it is noted, not refused. A folder of sources only, or a file whose text
    is in another language, stays "nothing to check".
    """
    if not pairs or not named or not all(Path(path).is_file() for path in named):
        return False
    return all(pair.target is None and pair.source is not None
               and identify_beside_names(pair.source.text, (src_lang, tgt_lang)) == src_lang for pair in pairs)


@dataclass(frozen=True)
class FileAtRef:
    """A file as a git ref holds it: its name ``REF:path`` (the path relative to the repository's
    top) and its first bytes, or None when the ref has no file there."""

    name: str
    head: bytes | None


def file_at_ref(ref: str, path: Path, max_bytes: int) -> FileAtRef:
    """The file at ``path`` (absolute, in a git repository's working tree) as commit ``ref`` holds
    it: at most ``max_bytes + 1`` bytes of it, so the caller sees a file that is too big without
    git's whole output in memory.

    Raises InputError when ``ref`` names no commit, ``path`` lies outside the repository, or the
    ref holds something other than a file there (a folder).
    """
    top = repository_top(_nearest_folder(path))
    commit = _commit(ref, top)
    # The folders resolved as git's top is; the file itself is taken as named, link or not.
    absolute = path.absolute().parent.resolve() / path.name
    if not absolute.is_relative_to(top):
        raise InputError(f"not inside the git repository {top}, so it cannot be read at {ref}", str(path))
    relative = absolute.relative_to(top).as_posix()
    name, spec = f"{ref}:{relative}", f"{commit}:{relative}"
    kind = _git(["cat-file", "-t", spec], top)
    if kind is None:
        return FileAtRef(name, None)
    if kind.strip() != "blob":
        raise InputError(f"not a file at {ref} (a {kind.strip()})", name)
    return FileAtRef(name, _git_head(["cat-file", "blob", spec], top, max_bytes + 1, name))


def _nearest_folder(path: Path) -> Path:
    """The nearest folder holding ``path`` that exists (the file need not)."""
    folder = path.absolute().parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


def _git_head(arguments: list[str], cwd: Path, limit: int, name: str) -> bytes:
    """The first ``limit`` bytes of a git command's output; git is stopped if it has more."""
    try:
        with subprocess.Popen(["git", *arguments], cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as process:
            assert process.stdout is not None
            head = process.stdout.read(limit)
            if len(head) == limit:
                process.kill()
            status = process.wait()
    except FileNotFoundError:
        raise InputError(GIT_MISSING) from None
    if status != 0 and len(head) < limit:
        raise InputError(f"git could not read it (exit status {status})", name)
    return head


def _git(arguments: list[str], cwd: Path) -> str | None:
    """stdout of a git command, or None when it failed (an unknown ref, no repository...)."""
    try:
        completed = subprocess.run(
            ["git", *arguments], cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False
        )
    except FileNotFoundError:
        raise InputError(GIT_MISSING) from None
    return completed.stdout if completed.returncode == 0 else None
