"""Safe reading at the edge and discovery of article files: every bad input is one clear line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.corpus import NO_ARTICLES, discover, read_paths
from qa.corpus.files import MB, folder_lang, lang_from_path, read_text_file, split_lang_suffix
from qa.errors import InputError

GOOD_MD = "---\ntitle: Un titular\nlang: es\n---\n\nUn párrafo del artículo.\n"


def one_line_error(excinfo, path) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def test_reads_text_strips_bom_and_keeps_line_endings(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbfL\xc3\xadnea uno\r\nDos\r\n")
    assert read_text_file(path) == "Línea uno\r\nDos\r\n"


def test_binary_file(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError) as excinfo:
        read_text_file(path)
    assert one_line_error(excinfo, path).endswith("binary file, not text")


def test_invalid_utf8_names_byte_and_offset(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("Año nuevo".encode() + b" \xff fin")
    with pytest.raises(InputError) as excinfo:
        read_text_file(path)
    assert one_line_error(excinfo, path).endswith("not valid UTF-8 (byte 0xff at offset 11)")


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n", b"\xef\xbb\xbf\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.md"
    path.write_bytes(content)
    with pytest.raises(InputError) as excinfo:
        read_text_file(path)
    assert one_line_error(excinfo, path).endswith("file is empty")


def test_too_large_file(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as stream:
        stream.seek(20 * MB - 1)
        stream.write(b"a")
    with pytest.raises(InputError) as excinfo:
        read_text_file(path)
    assert one_line_error(excinfo, path).endswith("file is too large (20.0 MB; the limit is 10 MB)")


def test_size_limit_is_configurable(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("x" * 2048)
    assert len(read_text_file(path, max_bytes=4096)) == 2048
    with pytest.raises(InputError, match=r"file is too large \(2\.0 KB; the limit is 1 KB\)"):
        read_text_file(path, max_bytes=1024)


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(InputError) as excinfo:
        read_text_file(tmp_path)
    assert one_line_error(excinfo, tmp_path).endswith("is a folder, not a file")
    missing = tmp_path / "missing.md"
    with pytest.raises(InputError) as excinfo:
        read_text_file(missing)
    assert one_line_error(excinfo, missing).endswith("no such file")


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.md"
    path.write_text(GOOD_MD)
    path.chmod(0)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root reads any file: make open() refuse

        def refuse(self, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "open", refuse)
    try:
        with pytest.raises(InputError) as excinfo:
            read_text_file(path)
        assert one_line_error(excinfo, path).endswith("cannot read file (permission denied)")
    finally:
        path.chmod(0o644)


def test_language_from_file_and_folder_names():
    assert split_lang_suffix("news/slug.es.md") == ("slug", "es")
    assert split_lang_suffix("news/v1.2.md") == ("v1.2", None)
    assert split_lang_suffix("notes.md") == ("notes", None)
    assert folder_lang("content/en/politics/x.md") == (1, "en")
    assert folder_lang("src/js/x.md") is None
    assert lang_from_path("content/es/politics/x.md") == "es"
    assert lang_from_path("content/es/x.en.md") == "en"


def test_folder_with_no_articles(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "README.md").write_text("# Readme\n")
    with pytest.raises(InputError) as excinfo:
        discover([tmp_path])
    assert one_line_error(excinfo, tmp_path).endswith(NO_ARTICLES)


def test_missing_path(tmp_path):
    missing = tmp_path / "nowhere"
    errors: list[InputError] = []
    assert discover([missing], errors=errors) == []
    assert [str(error) for error in errors] == [f"{missing}: no such file or folder"]


def test_discover_walks_sorted_and_skips_hidden_readme_node_modules(tmp_path):
    for name in [
        "b.md",
        "a.txt",
        "sub/c.jsonl",
        "sub/d.tsv",
        "e.markdown",
        "README.md",
        "skip.pdf",
        ".hidden/x.md",
        "node_modules/pkg/y.md",
        ".z.md",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    explicit = tmp_path / "skip.pdf"
    found = discover([tmp_path, explicit, tmp_path / "b.md"])
    names = [path.relative_to(tmp_path).as_posix() for path in found]
    assert names == ["a.txt", "b.md", "e.markdown", "sub/c.jsonl", "sub/d.tsv", "skip.pdf"]


def test_discover_survives_symlink_loops(tmp_path):
    folder = tmp_path / "es"
    folder.mkdir()
    (folder / "a.md").write_text(GOOD_MD)
    (folder / "loop").symlink_to(tmp_path, target_is_directory=True)
    found = discover([tmp_path])
    assert [path.name for path in found] == ["a.md"]


def test_mixed_folder_reads_the_good_files(tmp_path):
    (tmp_path / "good.es.md").write_text(GOOD_MD, encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00def")
    (tmp_path / "latin1.md").write_bytes(b"caf\xe9")
    (tmp_path / "empty.txt").write_text("")
    corpus = read_paths([tmp_path, tmp_path / "nowhere"])
    messages = sorted(str(error) for error in corpus.errors)
    assert len(messages) == 3
    # An empty file found in the folder, with nothing it could be the other side of, is passed over.
    # Corpus.skipped holds the whole line to show (links passed over land there too).
    assert [str(error) for error in corpus.skipped] == [f"{tmp_path / 'empty.txt'}: file is empty; skipped"]
    assert all("\n" not in message for message in messages)
    assert any(message.startswith(str(tmp_path / "binary.txt")) for message in messages)
    assert any(message.startswith(str(tmp_path / "nowhere")) for message in messages)
    assert [pair.source.path for pair in corpus.unpaired] == [str(tmp_path / "good.es.md")]
