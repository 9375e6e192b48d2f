"""Marian's tokenization without transformers: the ct2 engine's pieces, read straight from a model
folder's sentencepiece models and vocabulary.

CTranslate2 takes and gives sentencepiece pieces as strings, so the ct2 engine only needs a
tokenizer to cut texts into pieces and to join generated pieces back into text. Importing
transformers and loading two ``MarianTokenizer`` objects costs more than a second per process;
:class:`MarianPieces` does the same work with ``sentencepiece`` and ``json`` alone.

The pieces and texts must be *exactly* MarianTokenizer's (transformers 5), or translations, scores
and cache keys would change. This module mirrors, step by step, what these calls do:

- ``[tok.convert_ids_to_tokens(ids) for ids in tok(texts)["input_ids"]]`` (and ``text_target=``):
  the text is split around the special tokens (``</s>``, ``<unk>``, ``<pad>``) written in it; each
  other part loses a leading language code such as ``>>es<<`` (kept as a token of its own) and is
  cut by the side's sentencepiece model; every token goes to its id through the vocabulary (unknown
  pieces to ``<unk>``'s id), ``</s>`` is appended, and the ids go back to tokens;
- ``tok.batch_decode([tok.convert_tokens_to_ids(row) ...], skip_special_tokens=True)``: pieces go to
  ids through the source vocabulary, special ids are dropped, the rest go back to tokens and are
  joined by a sentencepiece model (the source one when the vocabulary is shared, as
  MarianTokenizer does), ``▁`` becomes a space and the text is stripped.

It only does so for the folders whose tokenizer settings it understands:
:func:`can_replace_marian_tokenizer` says whether a folder is one of them, and
:meth:`MarianPieces.load` refuses the others.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE_SPM = "source.spm"
TARGET_SPM = "target.spm"
VOCAB = "vocab.json"
TARGET_VOCAB = "target_vocab.json"
TOKENIZER_CONFIG = "tokenizer_config.json"
# Read by transformers only when tokenizer_config.json has no "added_tokens_decoder".
SPECIAL_TOKENS_MAP = "special_tokens_map.json"
LEGACY_ADDED_TOKENS = ("added_tokens.json", "tokenizer.json")

EOS, UNK, PAD = "</s>", "<unk>", "<pad>"
SPECIAL_TOKENS = (EOS, UNK, PAD)
SPIECE_UNDERLINE = "▁"
# MarianTokenizer's model_max_length when tokenizer_config.json does not set it.
DEFAULT_MODEL_MAX_LENGTH = 512
# The ct2 engine's ceiling on model_max_length (transformers' "no limit" is 1e30).
MAX_TOKENS_CEILING = 1_000_000

# tokenizer_config.json keys that change nothing in the calls mirrored here, or that
# :func:`config_problem` checks one by one.
UNDERSTOOD_CONFIG_KEYS = frozenset({
    "added_tokens_decoder", "additional_special_tokens", "backend", "clean_up_tokenization_spaces",
    "eos_token", "extra_special_tokens", "model_input_names", "model_max_length", "name_or_path",
    "pad_token", "padding_side", "separate_vocabs", "source_lang", "sp_model_kwargs",
    "special_tokens_map_file", "target_lang", "tokenizer_class", "truncation_side", "unk_token",
})
SPECIAL_TOKEN_KEYS = {"eos_token": EOS, "unk_token": UNK, "pad_token": PAD}
# The flags transformers saves with each added token; only these values are mirrored.
PLAIN_ADDED_TOKEN = {"lstrip": False, "rstrip": False, "single_word": False, "special": True}

# The special tokens, matched where a text contains them (none is a prefix of another, so the
# leftmost match is the one transformers' trie finds).
_SPECIAL_PATTERN = re.compile("(" + "|".join(re.escape(token) for token in SPECIAL_TOKENS) + ")")


class UnsupportedTokenizer(ValueError):
    """A model folder whose tokenizer settings MarianPieces does not mirror."""


@dataclass(frozen=True, slots=True)
class TokenizerSettings:
    """What a folder's tokenizer_config.json says that changes the mirrored calls."""

    separate_vocabs: bool = False
    model_max_length: float = DEFAULT_MODEL_MAX_LENGTH
    clean_up_tokenization_spaces: bool = False


# ---------------------------------------------------------------------------------------------
# Reading a folder


def read_json(path: Path) -> Any:
    """A JSON file's content; OSError or ValueError in one line naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OSError(f"{path} is missing") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise OSError(f"{path} cannot be read ({error.strerror or error})") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON ({error})") from None


def read_vocab(path: Path) -> dict[str, int]:
    """A Marian vocabulary (piece -> id); ValueError naming the file when it is not one."""
    vocab = read_json(path)
    if not isinstance(vocab, dict) or not all(
        isinstance(index, int) and not isinstance(index, bool) for index in vocab.values()
    ):
        raise ValueError(f"{path} is not a vocabulary (an object of piece: integer id)")
    return vocab


def load_spm(path: Path) -> Any:
    """A sentencepiece model; OSError or ValueError in one line naming the file."""
    import sentencepiece

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OSError(f"{path} is missing") from None
    except OSError as error:
        raise OSError(f"{path} cannot be read ({error.strerror or error})") from None
    try:
        return sentencepiece.SentencePieceProcessor(model_proto=data)
    except Exception:  # sentencepiece reports a bad model as a RuntimeError with C++ details
        raise ValueError(f"{path} is not a sentencepiece model") from None


def read_config(folder: Path) -> dict[str, Any]:
    """tokenizer_config.json's content ({} when the folder has none, as transformers reads it)."""
    path = folder / TOKENIZER_CONFIG
    if not path.exists():
        return {}
    config = read_json(path)
    if not isinstance(config, dict):
        raise ValueError(f"{path} is not a JSON object")
    return config


def token_text(value: Any) -> Any:
    """A special token's text as saved: a string, or an AddedToken's dict with its "content"."""
    return value.get("content") if isinstance(value, dict) else value


def added_token_problem(value: Any) -> str | None:
    """Why a saved special token (string or AddedToken dict) is not a plain one, or None."""
    if isinstance(value, str):
        return None
    if not isinstance(value, dict):
        return f"{value!r} is not a token"
    for flag, plain in PLAIN_ADDED_TOKEN.items():
        if flag in value and value[flag] != plain:
            return f"{value.get('content')!r} has {flag}={value[flag]!r}"
    return None


def config_problem(config: Mapping[str, Any]) -> str | None:
    """Why tokenizer_config.json's settings would make MarianTokenizer differ from MarianPieces,
    or None when every setting is one this module mirrors."""
    unknown = sorted(set(config) - UNDERSTOOD_CONFIG_KEYS)
    if unknown:
        return f"setting {unknown[0]!r} is not understood"
    if config.get("tokenizer_class", "MarianTokenizer") != "MarianTokenizer":
        return f"tokenizer_class is {config['tokenizer_class']!r}"
    if config.get("backend", "custom") != "custom":
        return f"backend is {config['backend']!r}"
    if config.get("sp_model_kwargs"):
        return "sp_model_kwargs are set"
    for key in ("additional_special_tokens", "extra_special_tokens"):
        if config.get(key):
            return f"{key} are set"
    for key, default in SPECIAL_TOKEN_KEYS.items():
        if key in config and token_text(config[key]) != default:
            return f"{key} is {token_text(config[key])!r}, not {default!r}"
        if key in config and (problem := added_token_problem(config[key])):
            return problem
    if not isinstance(config.get("separate_vocabs", False), bool):
        return "separate_vocabs is not true or false"
    if not isinstance(config.get("clean_up_tokenization_spaces", False), bool):
        return "clean_up_tokenization_spaces is not true or false"
    length = config.get("model_max_length", DEFAULT_MODEL_MAX_LENGTH)
    if length is not None and (isinstance(length, bool) or not isinstance(length, (int, float))):
        return "model_max_length is not a number"
    added = config.get("added_tokens_decoder", {})
    if not isinstance(added, dict):
        return "added_tokens_decoder is not an object"
    for token in added.values():
        if token_text(token) not in SPECIAL_TOKENS:
            return f"added token {token_text(token)!r} is not one of {', '.join(SPECIAL_TOKENS)}"
        if problem := added_token_problem(token):
            return f"added token {problem}"
    return None


def settings_of(config: Mapping[str, Any]) -> TokenizerSettings:
    """The settings of an understood tokenizer_config.json (see :func:`config_problem`)."""
    length = config.get("model_max_length", DEFAULT_MODEL_MAX_LENGTH)
    return TokenizerSettings(
        separate_vocabs=config.get("separate_vocabs", False),
        # transformers stores "no limit" (null) as 1e30.
        model_max_length=float("inf") if length is None else length,
        clean_up_tokenization_spaces=config.get("clean_up_tokenization_spaces", False),
    )


def vocab_problem(
    config: Mapping[str, Any], vocab: Mapping[str, int], target_vocab: Mapping[str, int] | None
) -> str | None:
    """Why the vocabularies would give MarianTokenizer added tokens or ids MarianPieces lacks."""
    missing = [token for token in SPECIAL_TOKENS if token not in vocab]
    if missing:
        # MarianTokenizer would append them after the vocabulary.
        return f"{VOCAB} lacks {', '.join(missing)}"
    if target_vocab is not None and UNK not in target_vocab:
        return f"{TARGET_VOCAB} lacks {UNK}"
    for index, token in config.get("added_tokens_decoder", {}).items():
        if str(vocab[token_text(token)]) != str(index):
            return f"added token {token_text(token)!r} has id {index}, not its vocabulary id"
    return None


def legacy_files_problem(folder: Path, config: Mapping[str, Any]) -> str | None:
    """Why the files transformers reads when tokenizer_config.json lists no added tokens would
    change MarianTokenizer's special tokens, or None."""
    if "added_tokens_decoder" in config:
        return None
    for name in LEGACY_ADDED_TOKENS:
        if (folder / name).exists():
            return f"{name} is present"
    path = folder / SPECIAL_TOKENS_MAP
    if not path.exists():
        return None
    special = read_json(path)
    if not isinstance(special, dict):
        return f"{SPECIAL_TOKENS_MAP} is not a JSON object"
    for key, value in special.items():
        if key in ("additional_special_tokens", "extra_special_tokens") and not value:
            continue
        if SPECIAL_TOKEN_KEYS.get(key) != token_text(value):
            return f"{SPECIAL_TOKENS_MAP} sets {key} to {token_text(value)!r}"
        if problem := added_token_problem(value):
            return f"{SPECIAL_TOKENS_MAP}: {problem}"
    return None


def installed_transformers() -> str | None:
    """The installed transformers' version (read from its metadata, without importing it), or
    None when it is not installed."""
    try:
        return importlib.metadata.version("transformers")
    except importlib.metadata.PackageNotFoundError:
        return None


def transformers_problem(version: str | None) -> str | None:
    """Why the MarianTokenizer of transformers ``version`` may cut texts otherwise than this
    module (which mirrors transformers 5), or None. Transformers 4 strips language codes anywhere
    in a text, not only at its start."""
    major = version.split(".")[0] if version else ""
    if major.isdigit() and int(major) < 5:
        return f"transformers {version} is installed, and its MarianTokenizer is not the one mirrored here (5)"
    return None


@dataclass(frozen=True, slots=True)
class TokenizerFiles:
    """A folder's understood tokenizer files, before the sentencepiece models are loaded."""

    settings: TokenizerSettings
    vocab: dict[str, int]
    target_vocab: dict[str, int] | None


def read_folder(folder: Path) -> TokenizerFiles:
    """Read and check a model folder's tokenizer files; OSError when one is missing or
    unreadable, ValueError (UnsupportedTokenizer) when MarianPieces would not match
    MarianTokenizer on it. The messages are one line and name the file."""
    folder = Path(folder)
    config = read_config(folder)
    if problem := config_problem(config):
        raise UnsupportedTokenizer(f"{folder / TOKENIZER_CONFIG}: {problem}")
    if problem := legacy_files_problem(folder, config):
        raise UnsupportedTokenizer(f"{folder}: {problem}")
    settings = settings_of(config)
    for name in (SOURCE_SPM, TARGET_SPM):
        if not (folder / name).is_file():
            raise OSError(f"{folder / name} is missing")
    vocab = read_vocab(folder / VOCAB)
    target_vocab = read_vocab(folder / TARGET_VOCAB) if settings.separate_vocabs else None
    if problem := vocab_problem(config, vocab, target_vocab):
        raise UnsupportedTokenizer(f"{folder}: {problem}")
    return TokenizerFiles(settings, vocab, target_vocab)


def replacement_problem(folder: Path, *, transformers: str | None = None) -> str | None:
    """Why MarianPieces cannot promise MarianTokenizer's pieces and texts for ``folder``, in one
    line, or None when it can. ``transformers`` is the version of transformers to match (None:
    the installed one).

    MarianTokenizer sets up Moses punctuation rules when sacremoses is installed but, in
    transformers 5, never applies them when cutting or joining text, so sacremoses changes
    nothing here."""
    if problem := transformers_problem(transformers or installed_transformers()):
        return problem
    try:
        read_folder(folder)
    except (OSError, ValueError) as error:
        return str(error)
    return None


def can_replace_marian_tokenizer(folder: Path, *, transformers: str | None = None) -> bool:
    """Whether :class:`MarianPieces` gives exactly MarianTokenizer's pieces, decoded texts,
    max_tokens and vocab_size for the model in ``folder`` (see :func:`replacement_problem`)."""
    return replacement_problem(folder, transformers=transformers) is None


# ---------------------------------------------------------------------------------------------
# The mirrored steps


def split_special(text: str) -> list[str]:
    """``text`` cut around the special tokens written in it, empty parts left out (transformers'
    added-token trie)."""
    return [part for part in _SPECIAL_PATTERN.split(text) if part]


def remove_language_code(text: str) -> tuple[list[str], str]:
    """A leading language code such as ``>>es<<`` as a token of its own, and the rest of the text
    (MarianTokenizer.remove_language_code: up to the first ``<<`` after a leading ``>>``)."""
    if text.startswith(">>") and (end := text.find("<<")) != -1:
        return [text[: end + 2]], text[end + 2 :]
    return [], text


def text_tokens(text: str, spm: Any) -> list[str]:
    """The tokens MarianTokenizer.tokenize makes of ``text`` with sentencepiece model ``spm``."""
    tokens: list[str] = []
    for part in split_special(text):
        if part in SPECIAL_TOKENS:
            tokens.append(part)
        else:
            code, rest = remove_language_code(part)
            tokens += code
            tokens += spm.encode(rest, out_type=str)
    return tokens


def convert_tokens_to_string(tokens: Sequence[str], spm: Any) -> str:
    """MarianTokenizer.convert_tokens_to_string: pieces joined by ``spm``, special tokens kept
    as they are with a space after them, ``▁`` made a space, the ends stripped."""
    text = ""
    run: list[str] = []
    for token in tokens:
        if token in SPECIAL_TOKENS:
            text += spm.decode_pieces(run) + token + " "
            run = []
        else:
            run.append(token)
    text += spm.decode_pieces(run)
    return text.replace(SPIECE_UNDERLINE, " ").strip()


def clean_up_tokenization(text: str) -> str:
    """transformers' clean_up_tokenization (spaces before punctuation and English clitics)."""
    return (
        text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
    )


@dataclass(frozen=True, slots=True)
class _Side:
    """One side's sentencepiece model and the vocabulary its tokens become ids through."""

    spm: Any
    vocab: Mapping[str, int]


class MarianPieces:
    """Marian's tokenization read straight from a model folder's sentencepiece models and
    vocabulary: the same pieces and texts as transformers' MarianTokenizer, without importing
    transformers."""

    def __init__(
        self,
        source: _Side,
        target: _Side,
        id_to_token: Mapping[int, str],
        fallback_spm: Any,
        decode_spm: Any,
        settings: TokenizerSettings,
        special_ids: Mapping[str, int],
        vocab_size: int,
    ) -> None:
        self._source = source
        self._target = target
        # ids -> tokens: the special tokens by their source-vocabulary ids first, then the
        # (target vocabulary's, when separate) reversed vocabulary, then fallback_spm's pieces.
        self._id_to_token = id_to_token
        self._fallback_spm = fallback_spm
        self._decode_spm = decode_spm
        self._clean_up = settings.clean_up_tokenization_spaces
        self._special_ids = special_ids
        self._skipped_ids = frozenset(special_ids.values())
        self.max_tokens = int(min(settings.model_max_length, MAX_TOKENS_CEILING))
        self.vocab_size = vocab_size

    @classmethod
    def load(cls, folder: Path) -> MarianPieces:
        """Read a Marian model folder (source.spm, target.spm, vocab.json, target_vocab.json with
        separate vocabularies, tokenizer_config.json when present). OSError when a file is missing
        or unreadable, ValueError when one is malformed or sets something this class does not
        mirror (UnsupportedTokenizer); the message is one line naming the file."""
        folder = Path(folder)
        files = read_folder(folder)
        source_spm = load_spm(folder / SOURCE_SPM)
        target_spm = load_spm(folder / TARGET_SPM)
        vocab = files.vocab
        separate = files.target_vocab is not None
        target_vocab = files.target_vocab if files.target_vocab is not None else vocab
        reversed_vocab = {index: token for token, index in target_vocab.items()}
        special_ids = {token: vocab[token] for token in SPECIAL_TOKENS}
        id_to_token = {**reversed_vocab, **{index: token for token, index in special_ids.items()}}
        return cls(
            source=_Side(source_spm, vocab),
            target=_Side(target_spm, target_vocab),
            id_to_token=id_to_token,
            # MarianTokenizer decodes with the source model unless the vocabularies are separate.
            fallback_spm=target_spm,
            decode_spm=target_spm if separate else source_spm,
            settings=files.settings,
            special_ids=special_ids,
            vocab_size=len(vocab),
        )

    def source_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Pieces of source texts, ``</s>`` included: MarianTokenizer's
        ``[tok.convert_ids_to_tokens(ids) for ids in tok(texts)["input_ids"]]``.

        An empty or whitespace-only text is ``["</s>"]``; a character sentencepiece does not
        know becomes ``<unk>`` (the ``▁`` before it stays a piece of its own); a leading
        ``>>xx<<`` is one token, ``<unk>`` unless the vocabulary lists it."""
        return [self._tokens(text, self._source) for text in texts]

    def target_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Pieces of target texts, ``</s>`` included: as :meth:`source_tokens` with
        ``tok(text_target=texts)``."""
        return [self._tokens(text, self._target) for text in texts]

    def decode(self, rows: Sequence[Sequence[str]]) -> list[str]:
        """Texts of piece rows, special tokens and pieces outside the vocabulary left out:
        MarianTokenizer's ``batch_decode([convert_tokens_to_ids(row) ...],
        skip_special_tokens=True)``, each text stripped."""
        return [self._decode_row(row) for row in rows]

    def _tokens(self, text: str, side: _Side) -> list[str]:
        ids = [self._token_id(token, side.vocab) for token in text_tokens(text, side.spm)]
        ids.append(self._special_ids[EOS])
        return [self._token(index) for index in ids]

    def _decode_row(self, row: Sequence[str]) -> str:
        # convert_tokens_to_ids runs in MarianTokenizer's input mode: the source vocabulary.
        ids = [self._token_id(token, self._source.vocab) for token in row]
        tokens = [self._token(index) for index in ids if index not in self._skipped_ids]
        text = convert_tokens_to_string(tokens, self._decode_spm)
        if self._clean_up:
            text = clean_up_tokenization(text)
        return text.strip()

    def _token_id(self, token: str, vocab: Mapping[str, int]) -> int:
        if token in self._special_ids:
            return self._special_ids[token]
        index = vocab.get(token)
        return vocab[UNK] if index is None else index

    def _token(self, index: int) -> str:
        token = self._id_to_token.get(index)
        if token is not None:
            return token
        # Only with separate vocabularies: a source id the target vocabulary lacks.
        return self._fallback_spm.IdToPiece(index) or UNK
