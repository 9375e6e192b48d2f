"""MarianPieces against transformers' MarianTokenizer on real tiny Marian folders: the same pieces,
decoded texts, max_tokens and vocab_size, and a refusal wherever that cannot be promised."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from conftest import EVAL, need

from qa.translate.marian import load_tokenizer
from qa.translate.pieces import (
    MarianPieces,
    UnsupportedTokenizer,
    can_replace_marian_tokenizer,
    replacement_problem,
)

pytest.importorskip("transformers")

DIRECTIONS = [("es", "en"), ("en", "es")]
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")

# Invented sentences covering what news text throws at a tokenizer.
SENTENCES = [
    "El ayuntamiento aprobó ayer el presupuesto.",
    "La niña y el señor Muñoz comieron piñones en Logroño.",
    "¿Quién pagará la reconstrucción? ¡Nadie lo sabe!",
    '"Es una vergüenza", dijo el alcalde.',
    "«No vamos a ceder», afirmó la ministra; “nunca”, añadió — con ‘calma’.",
    "The mayor's office said: \"we won't wait\" – and left.",
    "Inflation fell to 2.5% in 2023, from 3,1 % a year earlier.",
    "El proyecto costará 1.250.000 euros (unos 1,3 millones de dólares).",
    "Prices rose by 12,345.67 dollars, i.e. 4/5 of the 1990s level, at 10:45 a.m.",
    "Los aficionados celebraron 🎉 el gol ⚽ en Tokio 東京 y en Seúl 서울.",
    "Ελλάδα, Россия and العربية are outside the training text.",
    "two  spaces,   three   spaces and\ta tab",
    "   leading and trailing whitespace   ",
    "\u00a0non-breaking\u00a0spaces\u2009and a thin space",
    "ﬁnancial ligature, full-width ＡＢＣ１２３ and e\u0301 combining",
    "",
    " ",
    "\t\n ",
    ">>es<< Hola, ¿qué tal?",
    ">>en<<",
    "a sentence with </s> and <unk> and <pad> written in it",
    "a >>fr<< code in the middle and >>es<< another",
    "x<pad>>>es<<y",
    " ".join(["La huelga de transportes afectará a los trenes del jueves."] * 40),
]

# Piece rows as an engine may generate them: special tokens anywhere, pieces outside the
# vocabulary, empty rows.
ODD_PIECES = ["<unk>", "</s>", "<pad>", "▁", "▁▁", "xyzzy", ">>es<<", "<s>", "", " ", "🎉", "▁el", "."]


def marian_source_tokens(tokenizer, texts: list[str]) -> list[list[str]]:
    """The ct2 engine's source pieces through MarianTokenizer."""
    return [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(texts, verbose=False)["input_ids"]]


def marian_target_tokens(tokenizer, texts: list[str]) -> list[list[str]]:
    """The ct2 engine's target pieces through MarianTokenizer."""
    encoded = tokenizer(text_target=texts, verbose=False)
    return [tokenizer.convert_ids_to_tokens(ids) for ids in encoded["input_ids"]]


def marian_decode(tokenizer, rows: list[list[str]]) -> list[str]:
    """The ct2 engine's texts of generated pieces through MarianTokenizer."""
    ids = [tokenizer.convert_tokens_to_ids(list(row)) for row in rows]
    return [text.strip() for text in tokenizer.batch_decode(ids, skip_special_tokens=True)]


def reference(folder: Path):
    """MarianTokenizer loaded as the ct2 engine loads it."""
    return load_tokenizer(str(folder), what=f"tokenizer {folder}")


def random_rows(tokenizer, count: int, seed: int) -> list[list[str]]:
    """Rows of pieces drawn from the vocabulary and ODD_PIECES."""
    pool = sorted(tokenizer.get_vocab()) + ODD_PIECES
    rng = random.Random(seed)
    return [[rng.choice(pool) for _ in range(rng.randint(0, 20))] for _ in range(count)]


def random_texts(count: int, seed: int) -> list[str]:
    """Texts glued from fragments that exercise the special-token split and language codes."""
    fragments = [
        "a", "la", "The", " ", "  ", "\t", "\n", "</s>", "<unk>", "<pad>", "<", ">", "/", "s",
        ">>", "<<", ">>es<<", "é", "ñ", "¿", "¡", "“", "”", "'", '"', "—", "3.000", "🎉", "東京",
        "\u00a0", "\u200b", "ﬁ", "pad", "unk", "▁", ".", ",",
    ]
    rng = random.Random(seed)
    return ["".join(rng.choice(fragments) for _ in range(rng.randint(0, 12))) for _ in range(count)]


def assert_same_as_marian(folder: Path, texts: list[str], rows: list[list[str]] = ()) -> None:
    """MarianPieces and MarianTokenizer agree on ``folder`` for these texts and piece rows."""
    tokenizer = reference(folder)
    pieces = MarianPieces.load(folder)
    source = marian_source_tokens(tokenizer, texts)
    target = marian_target_tokens(tokenizer, texts)
    assert pieces.source_tokens(texts) == source
    assert pieces.target_tokens(texts) == target
    every_row = [*source, *target, *rows]
    assert pieces.decode(every_row) == marian_decode(tokenizer, every_row)
    assert pieces.max_tokens == int(min(tokenizer.model_max_length, 1_000_000))
    assert pieces.vocab_size == len(tokenizer)


def copy_tokenizer_files(folder: Path, destination: Path) -> Path:
    """A model folder's tokenizer files alone, in ``destination``."""
    destination.mkdir(parents=True)
    for name in TOKENIZER_FILES:
        shutil.copy(folder / name, destination / name)
    return destination


def edit_config(folder: Path, **settings) -> None:
    """Change tokenizer_config.json's settings (None removes one)."""
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.update(settings)
    config = {key: value for key, value in config.items() if value is not None}
    path.write_text(json.dumps(config), encoding="utf-8")


@pytest.mark.parametrize("direction", DIRECTIONS, ids="-".join)
def test_pieces_and_texts_are_marian_tokenizers(tiny_marian, direction):
    folder = tiny_marian[direction]
    pieces = MarianPieces.load(folder)
    source = pieces.source_tokens(SENTENCES)
    # The set exercises what it is meant to: unknown characters, language codes, special tokens.
    assert any("<unk>" in row[:-1] for row in source)
    assert all(row[-1] == "</s>" for row in source)
    assert_same_as_marian(folder, SENTENCES)


@pytest.mark.parametrize("direction", DIRECTIONS, ids="-".join)
def test_random_texts_and_piece_rows_give_marian_tokenizers_results(tiny_marian, direction):
    folder = tiny_marian[direction]
    tokenizer = reference(folder)
    rows = [*random_rows(tokenizer, 1500, seed=1), [], ["</s>"], ["<pad>", "<unk>"]]
    assert_same_as_marian(folder, random_texts(1500, seed=2), rows)


def test_decoding_arbitrary_rows_is_marian_tokenizers(tiny_marian):
    folder = tiny_marian[("es", "en")]
    tokenizer = reference(folder)
    source = marian_source_tokens(tokenizer, SENTENCES[:3])[0]
    rows = [
        [],
        ["</s>"],
        source,
        [*source[:2], "<unk>", *source[2:]],
        [*source[:2], "</s>", "<pad>", *source[2:]],
        ["xyzzy", *source, "not-a-piece", ">>es<<"],
        ["▁", "▁", "▁", *source],
    ]
    decoded = MarianPieces.load(folder).decode(rows)
    assert decoded == marian_decode(tokenizer, rows)
    assert decoded[0] == decoded[1] == ""
    assert decoded[2] == decoded[3] == decoded[4] != ""
    assert MarianPieces.load(folder).decode([]) == []


# A control symbol of the source sentencepiece model only (opus-mt's models have <s> and </s>):
# joined by the source model it vanishes, by the target model it stays, so decoded texts show
# which model MarianTokenizer joins pieces with.
CONTROL = "<ctl>"


def train_spm(sentences: tuple[str, ...], path: Path, control_symbols: tuple[str, ...] = ()) -> list[str]:
    """Train a small unigram sentencepiece model as the tiny builder does, optionally with control
    symbols; write it to ``path`` and return its pieces but <unk>, in id order."""
    import io

    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences), model_writer=model, model_type="unigram", vocab_size=240,
        hard_vocab_limit=False, character_coverage=1.0, unk_id=0, bos_id=-1, eos_id=-1,
        control_symbols=list(control_symbols), minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    processor = sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size()) if not processor.is_unknown(i)]


def write_vocab(path: Path, tokens: list[str]) -> None:
    """A vocabulary file giving each token its position (first occurrence)."""
    vocab = {token: index for index, token in enumerate(dict.fromkeys(tokens))}
    path.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")


def spm_pieces(path: Path) -> list[str]:
    """A sentencepiece model's pieces but <unk>, in id order."""
    import sentencepiece

    model = sentencepiece.SentencePieceProcessor(model_file=str(path))
    return [model.id_to_piece(i) for i in range(model.get_piece_size()) if not model.is_unknown(i)]


@pytest.fixture(scope="module")
def control_symbol_folder(tiny_marian, tmp_path_factory) -> Path:
    """The tiny es-en tokenizer, its source sentencepiece model retrained with CONTROL, which the
    shared vocabulary lists."""
    from qa.testing.tiny_marian import SPANISH, _marian_vocab

    folder = copy_tokenizer_files(tiny_marian[("es", "en")], tmp_path_factory.mktemp("control") / "model")
    source = train_spm(SPANISH, folder / "source.spm", (CONTROL,))
    vocab = _marian_vocab(source + spm_pieces(folder / "target.spm"), 500)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    return folder


def test_pieces_are_joined_by_the_source_model_when_the_vocabulary_is_shared(control_symbol_folder):
    folder = control_symbol_folder
    tokenizer = reference(folder)
    rows = [["▁El", CONTROL, "▁pre", "cio"], [CONTROL], *random_rows(tokenizer, 300, seed=6)]
    decoded = MarianPieces.load(folder).decode(rows)
    assert decoded == marian_decode(tokenizer, rows)
    assert CONTROL not in decoded[0]
    assert_same_as_marian(folder, SENTENCES)


@pytest.fixture(scope="module")
def separate_vocabs(tiny_marian, tmp_path_factory) -> Path:
    """A folder saved by MarianTokenizer with separate source and target vocabularies laid out
    differently, as they may be in such a model: the target vocabulary has <pad> fourth, its
    pieces reversed and fewer tokens than the source one (source ids beyond it fall back to the
    target sentencepiece model's pieces); CONTROL (a source control symbol) has the same id in
    both."""
    from transformers import MarianTokenizer

    from qa.testing.tiny_marian import SPANISH

    work = tmp_path_factory.mktemp("separate-vocabs")
    source_spm = work / "source.spm"
    target_spm = tiny_marian[("es", "en")] / "target.spm"
    source_pieces = train_spm(SPANISH, source_spm, (CONTROL,))
    target_pieces = spm_pieces(target_spm)
    # Every source id stays below the target model's size (its pieces and <unk>), or
    # MarianTokenizer itself fails on the ids the target vocabulary lacks.
    source = [*["</s>", "<unk>", *source_pieces][: len(target_pieces)], "<pad>"]
    target = ["<unk>", "</s>", CONTROL, "<pad>", *reversed(target_pieces)][:120]
    assert source.index(CONTROL) == target.index(CONTROL)
    write_vocab(work / "source.json", source)
    write_vocab(work / "target.json", target)
    tokenizer = MarianTokenizer(
        source_spm=str(source_spm),
        target_spm=str(target_spm),
        vocab=str(work / "source.json"),
        target_vocab_file=str(work / "target.json"),
        separate_vocabs=True,
        source_lang="es",
        target_lang="en",
        model_max_length=77,
    )
    tokenizer.save_pretrained(work / "model")
    return work / "model"


def test_a_folder_with_separate_vocabularies_gives_marian_tokenizers_results(separate_vocabs):
    assert (separate_vocabs / "target_vocab.json").is_file()
    assert can_replace_marian_tokenizer(separate_vocabs)
    tokenizer = reference(separate_vocabs)
    rows = [["▁El", CONTROL, "▁pre", "cio"], *random_rows(tokenizer, 500, seed=3)]
    assert_same_as_marian(separate_vocabs, SENTENCES + random_texts(500, seed=4), rows)
    # Joined by the target model, which does not know CONTROL.
    assert CONTROL in MarianPieces.load(separate_vocabs).decode(rows[:1])[0]


@pytest.mark.parametrize(
    "settings",
    [
        {"clean_up_tokenization_spaces": True},  # as transformers 4 saved Marian tokenizers
        {"model_max_length": None},
        {"model_max_length": 10**30},
        {"added_tokens_decoder": None, "backend": None, "eos_token": None, "pad_token": None,
         "unk_token": None, "sp_model_kwargs": None, "tokenizer_class": None, "model_max_length": None},
    ],
    ids=["clean-up-spaces", "no-length-limit", "huge-length-limit", "minimal-config"],
)
def test_the_tokenizer_settings_it_accepts_give_marian_tokenizers_results(tiny_marian, tmp_path, settings):
    folder = copy_tokenizer_files(tiny_marian[("en", "es")], tmp_path / "model")
    edit_config(folder, **settings)
    assert can_replace_marian_tokenizer(folder)
    rows = random_rows(reference(folder), 300, seed=5)
    assert_same_as_marian(folder, SENTENCES, rows)


def test_a_folder_without_tokenizer_config_gives_marian_tokenizers_results(tiny_marian, tmp_path):
    folder = copy_tokenizer_files(tiny_marian[("es", "en")], tmp_path / "model")
    (folder / "tokenizer_config.json").unlink()
    assert can_replace_marian_tokenizer(folder)
    assert MarianPieces.load(folder).max_tokens == 512
    assert_same_as_marian(folder, SENTENCES)


def test_the_tiny_model_folder_can_be_replaced(tiny_marian):
    for folder in tiny_marian.values():
        assert can_replace_marian_tokenizer(folder)
        assert replacement_problem(folder) is None


def test_not_under_transformers_4(tiny_marian):
    folder = tiny_marian[("es", "en")]
    assert not can_replace_marian_tokenizer(folder, transformers="4.46.3")
    assert "transformers 4.46.3" in replacement_problem(folder, transformers="4.46.3")
    assert can_replace_marian_tokenizer(folder, transformers="5.25.0")


@pytest.mark.parametrize("missing", ["target.spm", "source.spm", "vocab.json"])
def test_not_when_a_file_it_needs_is_missing(tiny_marian, tmp_path, missing):
    folder = copy_tokenizer_files(tiny_marian[("es", "en")], tmp_path / "model")
    (folder / missing).unlink()
    assert not can_replace_marian_tokenizer(folder)
    with pytest.raises(OSError, match=missing) as raised:
        MarianPieces.load(folder)
    assert "\n" not in str(raised.value)


def test_not_with_separate_vocabularies_but_no_target_vocabulary(separate_vocabs, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(separate_vocabs, folder)
    (folder / "target_vocab.json").unlink()
    assert not can_replace_marian_tokenizer(folder)
    with pytest.raises(OSError, match="target_vocab.json"):
        MarianPieces.load(folder)


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"tokenizer_class": "T5Tokenizer"}, "tokenizer_class"),
        ({"sp_model_kwargs": {"enable_sampling": True, "alpha": 0.1}}, "sp_model_kwargs"),
        ({"extra_special_tokens": ["<eop>", "<eod>"]}, "extra_special_tokens"),
        ({"eos_token": "<eos>"}, "eos_token"),
        ({"do_lower_case": True}, "do_lower_case"),
        ({"split_special_tokens": True}, "split_special_tokens"),
    ],
    ids=["tokenizer-class", "sampling", "extra-special-tokens", "other-eos", "lower-case", "split-specials"],
)
def test_not_with_a_tokenizer_config_it_does_not_understand(tiny_marian, tmp_path, settings, why):
    folder = copy_tokenizer_files(tiny_marian[("es", "en")], tmp_path / "model")
    edit_config(folder, **settings)
    assert not can_replace_marian_tokenizer(folder)
    assert why in replacement_problem(folder)
    with pytest.raises(UnsupportedTokenizer, match="tokenizer_config.json"):
        MarianPieces.load(folder)


def test_not_with_added_tokens_beyond_the_vocabulary(tiny_marian, tmp_path):
    folder = copy_tokenizer_files(tiny_marian[("es", "en")], tmp_path / "model")
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    del vocab["<pad>"]
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    edit_config(folder, added_tokens_decoder=None)
    # MarianTokenizer appends the missing <pad> after the vocabulary: one token more.
    assert len(reference(folder)) == len(vocab) + 1
    assert not can_replace_marian_tokenizer(folder)
    with pytest.raises(UnsupportedTokenizer, match="<pad>"):
        MarianPieces.load(folder)


def test_not_with_a_legacy_added_tokens_file(tiny_marian, tmp_path):
    folder = copy_tokenizer_files(tiny_marian[("es", "en")], tmp_path / "model")
    edit_config(folder, added_tokens_decoder=None)
    (folder / "added_tokens.json").write_text(json.dumps({"<sep>": 500}), encoding="utf-8")
    assert len(reference(folder)) == MarianPieces.load(tiny_marian[("es", "en")]).vocab_size + 1
    assert not can_replace_marian_tokenizer(folder)


@pytest.mark.parametrize(
    ("broken", "content"),
    [("source.spm", b"not a sentencepiece model"), ("vocab.json", b"{not json"), ("vocab.json", b"[1, 2]")],
    ids=["spm", "json", "not-a-vocabulary"],
)
def test_a_malformed_file_is_a_one_line_error_naming_it(tiny_marian, tmp_path, broken, content):
    folder = copy_tokenizer_files(tiny_marian[("es", "en")], tmp_path / "model")
    (folder / broken).write_bytes(content)
    with pytest.raises(ValueError, match=broken) as raised:
        MarianPieces.load(folder)
    assert "\n" not in str(raised.value)


def news_sentences(name: str, lang: str) -> list[str]:
    """Every headline and sentence of one side of a newstest articles file."""
    sentences = []
    for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)[lang]
        sentences.append(record["headline"])
        sentences += [sentence for paragraph in record["paragraphs"] for sentence in paragraph]
    return sentences


@pytest.fixture(scope="module")
def news_tokenizers(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """The tokenizer files of benchmarks/pipeline.py's opus-mt-sized models (es-en, en-es): 8,000
    pieces a side trained on newstest2012, a 65,001-token vocabulary; no model weights."""
    from qa.testing import tiny_marian as builder

    need(all((EVAL / f"newstest{year}-articles.jsonl").is_file() for year in (2012, 2013)), "needs ../shared/eval")
    root = tmp_path_factory.mktemp("news-tokenizers")
    size = builder.TinyMarianSize(vocab_size=65001, max_positions=512)
    folders = {}
    for src, tgt in DIRECTIONS:
        folder = root / f"{src}-{tgt}"
        folder.mkdir()
        trained = [
            piece
            for lang, name in ((src, "source.spm"), (tgt, "target.spm"))
            for piece in builder._train_spm(
                tuple(news_sentences("newstest2012-articles.jsonl", lang)), folder / name, 8000
            )
        ]
        vocab = builder._marian_vocab(trained, size.vocab_size)
        (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        builder._save_tokenizer(folder, src, tgt, size)
        folders[(src, tgt)] = folder
    return folders


@pytest.mark.slow
@pytest.mark.parametrize("direction", DIRECTIONS, ids="-".join)
def test_every_newstest_sentence_gives_marian_tokenizers_pieces_and_texts(news_tokenizers, direction):
    folder = news_tokenizers[direction]
    src, tgt = direction
    tokenizer = reference(folder)
    pieces = MarianPieces.load(folder)
    for name in ("newstest2012-articles.jsonl", "newstest2013-articles.jsonl"):
        sources = news_sentences(name, src)
        targets = news_sentences(name, tgt)
        source_rows = pieces.source_tokens(sources)
        target_rows = pieces.target_tokens(targets)
        assert source_rows == marian_source_tokens(tokenizer, sources)
        assert target_rows == marian_target_tokens(tokenizer, targets)
        rows = source_rows + target_rows
        assert pieces.decode(rows) == marian_decode(tokenizer, rows)
    assert pieces.max_tokens == int(min(tokenizer.model_max_length, 1_000_000))
    assert pieces.vocab_size == len(tokenizer)
