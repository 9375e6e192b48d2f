"""Build real MarianMT model folders with random weights, for tests and benchmarks.

The folders have the same layout as a Helsinki-NLP opus-mt download (config.json, model weights,
generation_config.json, source.spm, target.spm, vocab.json, tokenizer_config.json), so
``MarianTokenizer.from_pretrained`` and ``MarianMTModel.from_pretrained`` load them as they would
a real model. The translations are nonsense, but deterministic.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

# Invented sentences, written for this module, to train the sentencepiece models on.
SPANISH = (
    "El ayuntamiento aprobó ayer el presupuesto para el próximo año.",
    "La ministra de Sanidad visitó el hospital regional el lunes por la mañana.",
    "Los agricultores protestan por el precio del gasóleo en la plaza mayor.",
    "Un incendio forestal obligó a desalojar tres pueblos de la sierra.",
    "El tribunal suspendió la ley hasta que se resuelva el recurso.",
    "La selección nacional ganó el partido con un gol en el último minuto.",
    "Las lluvias de la semana pasada llenaron los embalses del norte.",
    "El gobierno anunció nuevas ayudas para las familias con hijos pequeños.",
    "Miles de personas se manifestaron contra la subida de los alquileres.",
    "La empresa cerrará su fábrica y despedirá a doscientos trabajadores.",
    "El presidente viajará a Bruselas para negociar los fondos europeos.",
    "Los científicos descubrieron una nueva especie de rana en la selva.",
    "El museo abrirá sus puertas gratis el primer domingo de cada mes.",
    "La policía detuvo a dos sospechosos tras el robo en la joyería.",
    "El precio de la vivienda subió un cinco por ciento este trimestre.",
    "Los médicos recomiendan beber agua y evitar el sol en las horas centrales.",
    "La huelga de transportes afectará a los trenes y autobuses del jueves.",
    "El festival de cine premió a una directora joven por su primera película.",
    "Marruecos y Estados Unidos firmaron acuerdos sobre seguridad en el Sahel.",
    "La oposición pidió la dimisión del consejero por el escándalo de los contratos.",
    "Los estudiantes vuelven a clase después de las vacaciones de verano.",
    "El banco central mantuvo los tipos de interés sin cambios.",
    "Una tormenta dejó sin electricidad a miles de hogares en la costa.",
    "El alcalde inauguró un parque nuevo junto al río.",
    "La inflación bajó por tercer mes consecutivo, según los datos oficiales.",
    "Los bomberos rescataron a un perro atrapado en un pozo.",
    "El parlamento votará la reforma de las pensiones la semana que viene.",
    "La biblioteca municipal amplía su horario durante los exámenes.",
    "Los vecinos reclaman más seguridad en las calles del barrio.",
    "El equipo de investigación publicó sus resultados en una revista científica.",
    "¿Quién pagará la reconstrucción de los puentes? Nadie lo sabe todavía.",
)

ENGLISH = (
    "The city council approved the budget for next year yesterday.",
    "The health minister visited the regional hospital on Monday morning.",
    "Farmers are protesting about the price of diesel in the main square.",
    "A forest fire forced three mountain villages to be evacuated.",
    "The court suspended the law until the appeal is resolved.",
    "The national team won the match with a goal in the last minute.",
    "Last week's rain filled the reservoirs in the north.",
    "The government announced new support for families with young children.",
    "Thousands of people marched against rising rents.",
    "The company will close its factory and lay off two hundred workers.",
    "The president will travel to Brussels to negotiate European funds.",
    "Scientists discovered a new species of frog in the rainforest.",
    "The museum will open its doors for free on the first Sunday of every month.",
    "Police arrested two suspects after the robbery at the jewellery shop.",
    "House prices rose by five percent this quarter.",
    "Doctors recommend drinking water and avoiding the sun at midday.",
    "The transport strike will affect trains and buses on Thursday.",
    "The film festival gave an award to a young director for her first film.",
    "Morocco and the United States signed security agreements on the Sahel.",
    "The opposition called for the councillor to resign over the contracts scandal.",
    "Students return to class after the summer holidays.",
    "The central bank kept interest rates unchanged.",
    "A storm left thousands of homes on the coast without electricity.",
    "The mayor opened a new park by the river.",
    "Inflation fell for the third month in a row, according to official figures.",
    "Firefighters rescued a dog trapped in a well.",
    "Parliament will vote on the pension reform next week.",
    "The town library is extending its opening hours during exams.",
    "Residents are asking for more safety in the streets of the neighbourhood.",
    "The research team published its results in a scientific journal.",
    "Who will pay to rebuild the bridges? Nobody knows yet.",
)

SENTENCES = {"es": SPANISH, "en": ENGLISH}

EOS, UNK, PAD = "</s>", "<unk>", "<pad>"
# Each sentencepiece model must at least cover every character of its sentences.
MIN_VOCAB_SIZE = 256
# Far wider than a trained model's weights: with opus-mt's 0.02 a random model ignores its input and
# says the same thing for every sentence, which would hide ordering bugs in tests.
INIT_STD = 0.5


def realistic_std(d_model: int) -> float:
    """The weight scale that keeps activations of order one through each layer, as in a trained
    model (1/sqrt(d_model)). Quantisation tests need it: with INIT_STD's wide weights, activations
    and logits grow layer after layer, and int8 rounding errors grow with them."""
    return d_model**-0.5


@dataclass(frozen=True, slots=True)
class TinyMarianSize:
    """Shape of the random model; the defaults make a model of a few hundred kilobytes."""

    vocab_size: int = 500
    d_model: int = 32
    layers: int = 1
    heads: int = 2
    ffn_dim: int = 64
    max_positions: int = 64
    init_std: float = INIT_STD


def build_tiny_marian(
    folder: Path,
    src: str,
    tgt: str,
    *,
    seed: int = 0,
    vocab_size: int = 500,
    d_model: int = 32,
    layers: int = 1,
    heads: int = 2,
    ffn_dim: int = 64,
    max_positions: int = 64,
    init_std: float = INIT_STD,
) -> Path:
    """Write a real Marian model folder for ``src``->``tgt`` with random weights and return it.

    ``vocab_size`` is the model's vocabulary size: the sentencepiece models learn as many pieces as
    the built-in sentences allow and the rest of the vocabulary is filled with unused placeholder
    tokens, so a caller can build an opus-mt-sized model (e.g. ``vocab_size=58101, d_model=512,
    layers=6, heads=8, ffn_dim=2048, max_positions=512``) for benchmarks. ``max_positions`` is
    also the tokenizer's ``model_max_length`` and the generation ``max_length``. ``init_std`` is
    the standard deviation of the random weights (see INIT_STD and :func:`realistic_std`).
    """
    size = TinyMarianSize(vocab_size, d_model, layers, heads, ffn_dim, max_positions, init_std)
    if vocab_size < MIN_VOCAB_SIZE:
        raise ValueError(f"vocab_size {vocab_size} is too small; the smallest is {MIN_VOCAB_SIZE}")
    for lang in (src, tgt):
        if lang not in SENTENCES:
            raise ValueError(
                f"no built-in sentences for language {lang!r}; choose from {sorted(SENTENCES)}"
            )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    # Both sides share one vocabulary, so each sentencepiece model gets at most half of it.
    pieces_per_side = min(300, (size.vocab_size - 3) // 2)
    source_pieces = _train_spm(SENTENCES[src], folder / "source.spm", pieces_per_side)
    target_pieces = _train_spm(SENTENCES[tgt], folder / "target.spm", pieces_per_side)
    vocab = _marian_vocab(source_pieces + target_pieces, size.vocab_size)
    (folder / "vocab.json").write_text(
        json.dumps(vocab, ensure_ascii=False, indent=1), encoding="utf-8"
    )

    _save_model(folder, size, vocab, seed)
    _save_tokenizer(folder, src, tgt, size)
    return folder


def build_tiny_marian_pair(root: Path, *, seed: int = 0) -> dict[tuple[str, str], Path]:
    """Build es->en and en->es tiny models under ``root``; returns {(src, tgt): folder}."""
    root = Path(root)
    return {
        (src, tgt): build_tiny_marian(root / f"tiny-marian-{src}-{tgt}", src, tgt, seed=seed)
        for src, tgt in (("es", "en"), ("en", "es"))
    }


def _train_spm(sentences: tuple[str, ...], path: Path, vocab_size: int) -> list[str]:
    """Train a unigram sentencepiece model of at most ``vocab_size`` pieces on ``sentences``, write
    it to ``path`` and return its pieces."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        # The corpus is tiny: let sentencepiece stop at however many pieces it can find.
        hard_vocab_limit=False,
        character_coverage=1.0,
        unk_id=0,
        bos_id=-1,
        eos_id=-1,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    pieces = range(processor.get_piece_size())
    return [processor.id_to_piece(i) for i in pieces if not processor.is_unknown(i)]


def _marian_vocab(pieces: list[str], vocab_size: int) -> dict[str, int]:
    """A shared Marian vocabulary laid out like opus-mt: </s>=0, <unk>=1, pieces, <pad> last."""
    tokens = [EOS, UNK]
    seen = set(tokens)
    for piece in pieces:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
    if len(tokens) + 1 > vocab_size:
        raise ValueError(
            f"vocab_size {vocab_size} is too small: the sentencepiece models need {len(tokens) + 1}"
        )
    tokens += [f"<unused{i}>" for i in range(vocab_size - len(tokens) - 1)]
    tokens.append(PAD)
    return {token: index for index, token in enumerate(tokens)}


def _save_model(folder: Path, size: TinyMarianSize, vocab: dict[str, int], seed: int) -> None:
    """Initialise a MarianMTModel with seeded random weights; save it with its generation config."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    pad_id, eos_id = vocab[PAD], vocab[EOS]
    config = MarianConfig(
        vocab_size=size.vocab_size,
        decoder_vocab_size=size.vocab_size,
        d_model=size.d_model,
        encoder_layers=size.layers,
        decoder_layers=size.layers,
        encoder_attention_heads=size.heads,
        decoder_attention_heads=size.heads,
        encoder_ffn_dim=size.ffn_dim,
        decoder_ffn_dim=size.ffn_dim,
        max_position_embeddings=size.max_positions,
        pad_token_id=pad_id,
        decoder_start_token_id=pad_id,
        eos_token_id=eos_id,
        forced_eos_token_id=eos_id,
        dropout=0.0,
        scale_embedding=True,
        init_std=size.init_std,
    )
    # fork_rng keeps the caller's global random state untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MarianMTModel(config)
    with torch.no_grad():
        # Placeholder tokens only pad the vocabulary to the requested size; never generate them.
        placeholders = [index for token, index in vocab.items() if token.startswith("<unused")]
        model.final_logits_bias[0, placeholders] = -1e4
    model.generation_config = GenerationConfig(
        decoder_start_token_id=pad_id,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        forced_eos_token_id=eos_id,
        bad_words_ids=[[pad_id]],
        max_length=size.max_positions,
        num_beams=1,
        do_sample=False,
    )
    model.save_pretrained(folder)


def _save_tokenizer(folder: Path, src: str, tgt: str, size: TinyMarianSize) -> None:
    """Save a MarianTokenizer over the spm files and vocabulary already in ``folder``."""
    from transformers import MarianTokenizer

    with warnings.catch_warnings():
        # MarianTokenizer suggests sacremoses for punctuation normalisation; not needed here.
        warnings.filterwarnings("ignore", message=".*sacremoses.*")
        tokenizer = MarianTokenizer(
            source_spm=str(folder / "source.spm"),
            target_spm=str(folder / "target.spm"),
            vocab=str(folder / "vocab.json"),
            source_lang=src,
            target_lang=tgt,
            model_max_length=size.max_positions,
        )
    tokenizer.save_pretrained(folder)
