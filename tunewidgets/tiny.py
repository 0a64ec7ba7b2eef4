"""Tiny models and demo data built locally, for tests, notebooks and the offline demo.

Nothing here reaches a hub: the tokenizers (byte-level BPE for Llama, WordPiece for BERT,
a sentencepiece-like BPE for T5) are trained with ``tokenizers`` on text generated below, the
models (Llama, BERT, T5, ViT, YOLOS) get random (seeded) weights, and the demo data sets are
generated from a few patterns simple enough that a model of well under a million parameters
visibly learns within a few dozen steps. The image demos use scikit-learn's bundled digits.

Heavy libraries (torch, transformers, tokenizers, pandas) are imported inside the
functions, so ``import tunewidgets.tiny`` stays cheap.
"""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path
from typing import Any, Callable, Iterator

BOS_EOS_UNK = "<|endoftext|>"
PAD = "<pad>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = [BOS_EOS_UNK, PAD, IM_START, IM_END]

DEMO_KINDS = ("sft-text", "sft-completion", "sft-chat", "preference", "preference-chat")
# Demo data of the non-LLM tasks (make_task_demo); the image kinds write image files.
TASK_DEMO_KINDS = (
    "text-classification", "text-regression", "token-classification", "seq2seq",
    "st-pair", "st-pair-class", "st-pair-score", "st-triplet", "st-qa",
    "image-classification", "image-regression", "object-detection",
    "tabular-classification", "tabular-regression",
)
DETECTION_CATEGORIES = ("red box", "blue bar")

# --------------------------------------------------------------------------- facts
# Each fact generator returns (question, right answer, wrong answer). The wrong answer is
# clearly wrong (another number, another word) so preference data has a real signal.

_NUMBER_WORDS = "zero one two three four five six seven eight nine ten".split()
_OPPOSITES = {
    "hot": "cold", "big": "small", "up": "down", "fast": "slow", "happy": "sad",
    "light": "dark", "old": "new", "open": "closed", "early": "late", "full": "empty",
    "wet": "dry", "hard": "soft", "loud": "quiet", "rich": "poor", "high": "low",
}
_COLORS = {
    "the sky": "blue", "grass": "green", "snow": "white", "a banana": "yellow",
    "coal": "black", "a tomato": "red", "an orange": "orange", "a plum": "purple",
}
_SOUNDS = {"dog": "woof", "cat": "meow", "cow": "moo", "duck": "quack", "sheep": "baa",
           "owl": "hoot", "lion": "roar", "frog": "ribbit"}
_CAPITALS = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Japan": "Tokyo",
             "Egypt": "Cairo", "Peru": "Lima", "Kenya": "Nairobi", "Norway": "Oslo",
             "Germany": "Berlin", "Canada": "Ottawa"}
_SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a concise assistant. Answer in one word.",
    "You answer simple questions.",
]


def _wrong_choice(rng: random.Random, options: list[str], right: str) -> str:
    return rng.choice([o for o in options if o != right])


def _fact_arithmetic(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.randint(0, 9), rng.randint(0, 9)
    op = rng.choice(["plus", "times", "minus"])
    if op == "minus" and b > a:
        a, b = b, a
    right = {"plus": a + b, "times": a * b, "minus": a - b}[op]
    wrong = right + rng.choice([-3, -2, 2, 3, 5, 10]) if right >= 3 else right + rng.randint(2, 9)
    return f"what is {a} {op} {b}?", str(right), str(wrong)


def _fact_next_number(rng: random.Random) -> tuple[str, str, str]:
    n = rng.randint(0, 9)
    return (f"what number comes after {_NUMBER_WORDS[n]}?", _NUMBER_WORDS[n + 1],
            _wrong_choice(rng, _NUMBER_WORDS, _NUMBER_WORDS[n + 1]))


def _fact_opposite(rng: random.Random) -> tuple[str, str, str]:
    word = rng.choice(sorted(_OPPOSITES))
    right = _OPPOSITES[word]
    return f"what is the opposite of {word}?", right, word  # the word itself is clearly wrong


def _fact_color(rng: random.Random) -> tuple[str, str, str]:
    thing = rng.choice(sorted(_COLORS))
    right = _COLORS[thing]
    return f"what color is {thing}?", right, _wrong_choice(rng, sorted(set(_COLORS.values())), right)


def _fact_sound(rng: random.Random) -> tuple[str, str, str]:
    animal = rng.choice(sorted(_SOUNDS))
    right = _SOUNDS[animal]
    return f"what does a {animal} say?", right, _wrong_choice(rng, sorted(_SOUNDS.values()), right)


def _fact_capital(rng: random.Random) -> tuple[str, str, str]:
    country = rng.choice(sorted(_CAPITALS))
    right = _CAPITALS[country]
    return (f"what is the capital of {country}?", right,
            _wrong_choice(rng, sorted(_CAPITALS.values()), right))


# Arithmetic is listed twice: it is the most regular pattern, so it dominates the mix.
_FACTS: list[Callable[[random.Random], tuple[str, str, str]]] = [
    _fact_arithmetic, _fact_arithmetic, _fact_next_number, _fact_opposite,
    _fact_color, _fact_sound, _fact_capital,
]


def _fact(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(_FACTS)(rng)


# Demo text pattern, shared by sft-text, sft-completion and preference so the formats agree:
# prompt + completion == text.
_Q = "### Question: {q}\n### Answer:"


def _sentence(rng: random.Random) -> str:
    """A simple English sentence, for the tokenizer corpus."""
    subj = rng.choice(["The cat", "A dog", "My friend", "The teacher", "A small bird",
                       "The model", "She", "He", "We", "They"])
    verb = rng.choice(["sees", "likes", "finds", "reads", "makes", "wants", "has", "learns"])
    obj = rng.choice(["a red ball", "the old book", "some water", "the answer", "a new game",
                      "the blue sky", "many words", "the data"])
    tail = rng.choice(["", " today", " at home", " every day", " in the park", " again"])
    return f"{subj} {verb} {obj}{tail}."


def _corpus(n: int = 3000, seed: int = 0) -> Iterator[str]:
    """Generated lines covering what the demo datasets and chat templates contain."""
    rng = random.Random(seed)
    for i in range(n):
        q, a, _ = _fact(rng)
        kind = i % 4
        if kind == 0:
            yield _Q.format(q=q) + " " + a
        elif kind == 1:
            system = rng.choice(_SYSTEM_PROMPTS)
            yield f"system\n{system}\nuser\n{q.capitalize()}\nassistant\n{a.capitalize()}.\n"
        elif kind == 2:
            yield f"{q.capitalize()} The answer is {a}."
        else:
            yield _sentence(rng)
    # every digit run and number word appears at least once
    yield " ".join(str(i) for i in range(100)) + " " + " ".join(_NUMBER_WORDS)


# ----------------------------------------------------------------------- tokenizer

def build_tokenizer(out_dir: str | Path | None = None, vocab_size: int = 512,
                    texts: list[str] | None = None, chat: bool = True):
    """Train a byte-level BPE tokenizer with the CHATML chat template (``chat=False``: a base model's, without
    the ChatML tokens or any template, so a chat template must add them).

    ``texts`` replaces the built-in generated corpus. Returns a
    ``transformers.PreTrainedTokenizerFast``; saved to ``out_dir`` when given.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from tunewidgets.data.chat_templates import CHATML, TEMPLATE_SPECIAL_TOKENS

    chat_tokens = TEMPLATE_SPECIAL_TOKENS["chatml"]
    specials = list(dict.fromkeys(SPECIAL_TOKENS + chat_tokens)) if chat else \
        [t for t in SPECIAL_TOKENS if t not in chat_tokens]
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    if vocab_size < len(alphabet) + len(specials):
        raise ValueError(f"vocab_size must be at least {len(alphabet) + len(specials)} "
                         f"for a byte-level tokenizer, got {vocab_size}")

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=alphabet, min_frequency=2,
                                  show_progress=False)
    tok.train_from_iterator(list(texts) if texts is not None else list(_corpus()), trainer=trainer)

    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS_EOS_UNK, eos_token=BOS_EOS_UNK, unk_token=BOS_EOS_UNK, pad_token=PAD,
        extra_special_tokens=[IM_START, IM_END] if chat else [],
        padding_side="right", model_max_length=512,
        clean_up_tokenization_spaces=False,
    )
    if chat:
        hf_tok.chat_template = CHATML
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        hf_tok.save_pretrained(str(out_dir))
    return hf_tok


# -------------------------------------------------------------------------- models

def build_tiny_llama(out_dir: str | Path, *, vocab_size: int = 512, hidden_size: int = 64,
                     layers: int = 2, heads: int = 4, kv_heads: int = 2,
                     intermediate_size: int = 128, max_position_embeddings: int = 512,
                     seed: int = 0, chat: bool = True) -> str:
    """Save a randomly initialised (seeded) ``LlamaForCausalLM`` and its tokenizer to ``out_dir``
    (``chat=False``: a base model whose tokenizer has no ChatML tokens and no template)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(out, vocab_size=vocab_size, chat=chat)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=hidden_size, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=kv_heads,
        intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id, tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    # Stop generation at the end of a ChatML turn as well as at end of text.
    model.generation_config.eos_token_id = [tok.eos_token_id, tok.convert_tokens_to_ids(IM_END)] if chat \
        else tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    with _quiet_progress():
        model.save_pretrained(str(out))
    return str(out)


@contextlib.contextmanager
def _quiet_progress():
    """Hide transformers' "Writing model shards" bar for a save that takes milliseconds."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _task_corpus(n: int = 400, seed: int = 0) -> list[str]:
    """Text covering every task demo below (and the LLM facts), for the encoder and T5 tokenizers."""
    texts = list(_corpus(1000, seed))
    for kind in ("text-classification", "text-regression", "token-classification", "seq2seq", "st-pair-class",
                 "st-triplet", "st-pair-score", "st-qa"):
        for row in _task_rows(kind, n, seed):
            for value in row.values():
                if isinstance(value, str):
                    texts.append(value)
                elif isinstance(value, list) and value and isinstance(value[0], str):
                    texts.append(" ".join(value))
    return texts


def build_wordpiece_tokenizer(out_dir: str | Path | None = None, vocab_size: int = 1000,
                              texts: list[str] | None = None):
    """Train a lower-casing BERT WordPiece tokenizer ([CLS] text [SEP]) on the generated task corpus."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials, min_frequency=1,
                                        show_progress=False)
    tok.train_from_iterator(list(texts) if texts is not None else _task_corpus(), trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=512, padding_side="right",
    )
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        hf_tok.save_pretrained(str(out_dir))
    return hf_tok


def build_tiny_bert(out_dir: str | Path, *, vocab_size: int = 1000, hidden_size: int = 64, layers: int = 2,
                    heads: int = 4, intermediate_size: int = 128, max_position_embeddings: int = 512,
                    seed: int = 0) -> str:
    """Save a random (seeded) BERT encoder (``BertModel``) and its WordPiece tokenizer to ``out_dir``.

    It loads as any head: sequence or token classification, and as a sentence-transformers model
    (mean pooling is added on load).
    """
    import torch
    from transformers import BertConfig, BertModel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_wordpiece_tokenizer(out, vocab_size=vocab_size)
    config = BertConfig(
        vocab_size=len(tok), hidden_size=hidden_size, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings,
        pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(seed)
    with _quiet_progress():
        BertModel(config).save_pretrained(str(out))
    return str(out)


def build_t5_tokenizer(out_dir: str | Path | None = None, vocab_size: int = 1000, texts: list[str] | None = None):
    """A sentencepiece-like BPE tokenizer (``<pad>`` 0, ``</s>`` 1, ``<unk>`` 2; ``</s>`` appended) as T5 has."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "</s>", "<unk>"],
                                  show_progress=False)
    tok.train_from_iterator(list(texts) if texts is not None else _task_corpus(), trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))]
    )
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                     model_max_length=512, padding_side="right")
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        hf_tok.save_pretrained(str(out_dir))
    return hf_tok


def build_tiny_t5(out_dir: str | Path, *, vocab_size: int = 1000, d_model: int = 64, layers: int = 2,
                  heads: int = 4, d_ff: int = 128, seed: int = 0) -> str:
    """Save a random (seeded) ``T5ForConditionalGeneration`` and its tokenizer to ``out_dir``."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_t5_tokenizer(out, vocab_size=vocab_size)
    config = T5Config(
        vocab_size=len(tok), d_model=d_model, d_kv=d_model // heads, d_ff=d_ff, num_layers=layers,
        num_decoder_layers=layers, num_heads=heads, feed_forward_proj="relu", pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    model.generation_config.decoder_start_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    with _quiet_progress():
        model.save_pretrained(str(out))
    return str(out)


def build_tiny_vit(out_dir: str | Path, *, image_size: int = 32, patch_size: int = 8, hidden_size: int = 64,
                   layers: int = 2, heads: int = 4, intermediate_size: int = 128, seed: int = 0) -> str:
    """Save a random (seeded) ViT encoder (``ViTModel``) and its image processor to ``out_dir``."""
    import torch
    from transformers import ViTConfig, ViTImageProcessor, ViTModel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = ViTConfig(image_size=image_size, patch_size=patch_size, num_channels=3, hidden_size=hidden_size,
                       num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=intermediate_size)
    torch.manual_seed(seed)
    with _quiet_progress():
        ViTModel(config, add_pooling_layer=False).save_pretrained(str(out))
    ViTImageProcessor(size={"height": image_size, "width": image_size}, image_mean=[0.5] * 3,
                      image_std=[0.5] * 3).save_pretrained(str(out))
    return str(out)


def build_tiny_yolos(out_dir: str | Path, *, image_size: int = 64, patch_size: int = 8, hidden_size: int = 64,
                     layers: int = 2, heads: int = 4, intermediate_size: int = 128, detection_tokens: int = 10,
                     labels: tuple[str, ...] = DETECTION_CATEGORIES, seed: int = 0) -> str:
    """Save a random (seeded) ``YolosForObjectDetection`` and its image processor to ``out_dir``.

    YOLOS is a plain ViT with detection tokens: no CNN backbone (nothing timm or pretrained to fetch).
    """
    import torch
    from transformers import YolosConfig, YolosForObjectDetection, YolosImageProcessor

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = YolosConfig(
        image_size=[image_size, image_size], patch_size=patch_size, hidden_size=hidden_size,
        num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=intermediate_size,
        num_detection_tokens=detection_tokens, id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    torch.manual_seed(seed)
    with _quiet_progress():
        YolosForObjectDetection(config).save_pretrained(str(out))
    YolosImageProcessor(size={"shortest_edge": image_size, "longest_edge": image_size}).save_pretrained(str(out))
    return str(out)


# Builders by kind: builder(out_dir, **kw) -> str (the saved model directory).
_MODEL_BUILDERS: dict[str, Callable[..., str]] = {
    "llama": build_tiny_llama,
    "bert": build_tiny_bert,
    "t5": build_tiny_t5,
    "vit": build_tiny_vit,
    "yolos": build_tiny_yolos,
}


def model_kinds() -> list[str]:
    """The kinds ``build_tiny_model`` accepts."""
    return sorted(_MODEL_BUILDERS)


def build_tiny_model(kind: str, out_dir: str | Path, **kw: Any) -> str:
    """Build a tiny model of ``kind`` (see :func:`model_kinds`) into ``out_dir``."""
    try:
        builder = _MODEL_BUILDERS[kind]
    except KeyError:
        raise ValueError(f"unknown tiny model kind {kind!r}; choose one of {model_kinds()}") from None
    return builder(out_dir, **kw)


# -------------------------------------------------------------------- demo data

def _chat_row(rng: random.Random) -> tuple[list[dict], str]:
    """A conversation whose last assistant turn is the answer; also returns a wrong answer."""
    messages: list[dict] = []
    if rng.random() < 0.3:
        messages.append({"role": "system", "content": rng.choice(_SYSTEM_PROMPTS)})
    if rng.random() < 0.3:  # a first exchange before the one that counts
        q, a, _ = _fact(rng)
        messages += [{"role": "user", "content": q.capitalize()},
                     {"role": "assistant", "content": f"{a.capitalize()}."}]
    q, a, wrong = _fact(rng)
    messages += [{"role": "user", "content": q.capitalize()},
                 {"role": "assistant", "content": f"{a.capitalize()}."}]
    return messages, f"{wrong.capitalize()}."


def _demo_rows(kind: str, n: int, seed: int) -> list[dict]:
    rng = random.Random(f"{kind}:{seed}")
    rows = []
    for _ in range(n):
        if kind in ("sft-chat", "preference-chat"):
            messages, wrong = _chat_row(rng)
            if kind == "sft-chat":
                rows.append({"messages": messages})
            else:
                rejected = [dict(m) for m in messages]
                rejected[-1]["content"] = wrong
                rows.append({"chosen": messages, "rejected": rejected})
            continue
        q, a, wrong = _fact(rng)
        prompt = _Q.format(q=q)
        if kind == "sft-text":
            rows.append({"text": f"{prompt} {a}"})
        elif kind == "sft-completion":
            rows.append({"prompt": prompt, "completion": f" {a}"})
        elif kind == "preference":
            rows.append({"prompt": prompt, "chosen": f" {a}", "rejected": f" {wrong}"})
        else:
            raise ValueError(f"unknown demo dataset kind {kind!r}; choose one of {list(DEMO_KINDS)}")
    return rows


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def make_demo_dataset(kind: str, out_dir: str | Path | None = None, n: int = 200, seed: int = 0):
    """Generate a deterministic demo dataset as a DataFrame of ``n`` rows.

    Kinds: ``sft-text`` (text), ``sft-completion`` (prompt, completion), ``sft-chat``
    (messages), ``preference`` (prompt, chosen, rejected: text; prompt + chosen is an
    sft-text row), ``preference-chat`` (chosen, rejected: conversations differing in the
    last assistant turn). With ``out_dir``, the first 90% go to ``train.jsonl`` and the rest
    to ``valid.jsonl``.
    """
    import pandas as pd

    if kind not in DEMO_KINDS:
        raise ValueError(f"unknown demo dataset kind {kind!r}; choose one of {list(DEMO_KINDS)}")
    rows = _demo_rows(kind, n, seed)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        n_train = max(1, round(n * 0.9)) if n > 1 else n
        _write_jsonl(out / "train.jsonl", rows[:n_train])
        _write_jsonl(out / "valid.jsonl", rows[n_train:])
    return pd.DataFrame(rows)


# ------------------------------------------------------------- task demo data
# Small, deterministic data sets in the shapes of the Hub data sets AutoTrain's examples use
# (imdb, conll2003, samsum, all-nli), simple enough for a tiny model to learn from.

_POSITIVE = ["great", "wonderful", "excellent", "lovely", "amazing", "brilliant", "superb", "delightful"]
_NEGATIVE = ["awful", "terrible", "boring", "horrible", "dreadful", "poor", "dull", "painful"]
_TOPICS = ["the film", "the book", "the meal", "the concert", "the hotel", "the game", "the show", "the trip"]
_FILLERS = ["", " overall", " to be honest", " for me", " this time", " in the end", " again"]
_PEOPLE = [["Anna"], ["Tom"], ["Maria"], ["John", "Smith"], ["Li", "Wei"], ["Sara"], ["Omar"], ["Eva", "Brown"]]
_PLACES = [["Paris"], ["Rome"], ["Madrid"], ["Tokyo"], ["Lima"], ["Oslo"], ["New", "York"], ["Cape", "Town"]]
_ORGS = [["Acme", "Corp"], ["Globex"], ["Red", "Cross"], ["Initech"], ["Blue", "Bank"], ["Umbrella", "Labs"]]
# conll2003's ner_tags names, in its order.
CONLL_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
_ACTIVITIES = [  # (premise activity, paraphrase, contradiction)
    ("is playing a guitar", "is making music", "is sleeping in bed"),
    ("is riding a bike", "is cycling", "is swimming in a lake"),
    ("is eating an apple", "is having some fruit", "is running a race"),
    ("is reading a book", "is looking at pages", "is dancing at a party"),
    ("is cooking dinner", "is making food", "is driving a car"),
    ("is painting a wall", "is working with paint", "is watching television"),
    ("is walking a dog", "is out with a pet", "is sitting in an office"),
    ("is writing a letter", "is putting words on paper", "is climbing a mountain"),
]
_SUBJECTS = ["man", "woman", "child", "boy", "girl", "teacher", "doctor", "farmer"]
_ERRANDS = [("buy", "apples", "the market"), ("meet", "Tom", "the station"), ("fix", "the car", "the garage"),
            ("cook", "pasta", "home"), ("read", "a book", "the library"), ("watch", "a film", "the cinema"),
            ("paint", "the fence", "the garden"), ("send", "a letter", "the post office")]


def _tag_entity(words: list[str], kind: str) -> list[str]:
    return [f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1)


def _ner_row(rng: random.Random) -> tuple[list[str], list[str]]:
    person, place, org = rng.choice(_PEOPLE), rng.choice(_PLACES), rng.choice(_ORGS)
    pattern = rng.randrange(4)
    if pattern == 0:
        parts = [(person, "PER"), (["lives", "in"], None), (place, "LOC"), (["."], None)]
    elif pattern == 1:
        parts = [(person, "PER"), (["works", "for"], None), (org, "ORG"), (["in"], None), (place, "LOC"),
                 (["."], None)]
    elif pattern == 2:
        parts = [(["Yesterday"], None), (person, "PER"), (["visited"], None), (place, "LOC"), (["."], None)]
    else:
        parts = [(org, "ORG"), (["hired"], None), (person, "PER"), (["last", "week", "."], None)]
    tokens, tags = [], []
    for words, kind in parts:
        tokens += words
        tags += _tag_entity(words, kind) if kind else ["O"] * len(words)
    return tokens, tags


def _task_rows(kind: str, n: int, seed: int, int_labels: bool = False) -> list[dict]:
    """Rows of a text task demo (see make_task_demo)."""
    rng = random.Random(f"{kind}:{seed}")
    rows: list[dict] = []
    for i in range(n):
        if kind == "text-classification":
            positive = rng.random() < 0.5
            word = rng.choice(_POSITIVE if positive else _NEGATIVE)
            text = f"{rng.choice(_TOPICS).capitalize()} {rng.choice(['was', 'is', 'felt', 'seemed'])} {word}" \
                   f"{rng.choice(_FILLERS)}. {_sentence(rng)}"
            label: Any = (1 if positive else 0) if int_labels else ("positive" if positive else "negative")
            rows.append({"text": text, "label": label})
        elif kind == "text-regression":
            score = rng.randint(0, 10)
            rows.append({"text": f"I give {rng.choice(_TOPICS)} {_NUMBER_WORDS[score]} out of ten"
                                 f"{rng.choice(_FILLERS)}.", "target": float(score)})
        elif kind == "token-classification":
            tokens, tags = _ner_row(rng)
            if int_labels:  # conll2003's shape: ids and integer tags
                rows.append({"id": str(i), "tokens": tokens, "pos_tags": [0] * len(tokens),
                             "chunk_tags": [0] * len(tokens), "ner_tags": [CONLL_TAGS.index(t) for t in tags]})
            else:
                rows.append({"tokens": tokens, "tags": tags})
        elif kind == "seq2seq":  # samsum's shape
            (a, b), (verb, thing, place) = rng.sample(["Anna", "Tom", "Maria", "Omar", "Sara", "Li"], 2), \
                rng.choice(_ERRANDS)
            reply = rng.choice(["see you", "good luck", "have fun"])
            dialogue = f"{a}: I will {verb} {thing} at {place} today.\n{b}: Ok, {reply}!"
            rows.append({"id": str(i), "dialogue": dialogue, "summary": f"{a} will {verb} {thing} at {place}."})
        elif kind.startswith("st-"):
            subject = rng.choice(_SUBJECTS)
            act, para, contra = rng.choice(_ACTIVITIES)
            premise = f"A {subject} {act}."
            if kind == "st-pair-class":  # all-nli pair-class: 0 entailment, 1 neutral, 2 contradiction
                label = rng.randrange(3)
                hypothesis = [f"A {subject} {para}.", f"A {subject} {act} with a friend today.",
                              f"A {subject} {contra}."][label]
                rows.append({"premise": premise, "hypothesis": hypothesis, "label": label})
            elif kind == "st-triplet":
                rows.append({"anchor": premise, "positive": f"A {subject} {para}.",
                             "negative": f"A {subject} {contra}."})
            elif kind == "st-pair":
                rows.append({"anchor": premise, "positive": f"A {subject} {para}."})
            elif kind == "st-pair-score":
                same = rng.random() < 0.5
                rows.append({"sentence1": premise, "sentence2": f"A {subject} {para if same else contra}.",
                             "score": round(rng.uniform(0.7, 1.0) if same else rng.uniform(0.0, 0.3), 3)})
            elif kind == "st-qa":
                q, a, _ = _fact(rng)
                rows.append({"question": q.capitalize(), "answer": f"The answer is {a}."})
            else:
                raise ValueError(f"unknown task demo kind {kind!r}; choose one of {list(TASK_DEMO_KINDS)}")
        else:
            raise ValueError(f"unknown task demo kind {kind!r}; choose one of {list(TASK_DEMO_KINDS)}")
    return rows


def _digit_images(n: int | None, seed: int):
    """(image, digit) pairs from scikit-learn's bundled 8x8 digits, as grayscale PIL images."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))[: n or None]
    for index in order:
        pixels = (digits.images[index] * (255.0 / 16.0)).clip(0, 255).astype("uint8")
        yield Image.fromarray(pixels, mode="L"), int(digits.target[index])


def _detection_image(rng: random.Random, size: int):
    """A noisy square image with one to three coloured rectangles; returns (image, objects in COCO xywh)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), tuple(rng.randint(180, 230) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    boxes, categories = [], []
    for _ in range(rng.randint(1, 3)):
        category = rng.randrange(len(DETECTION_CATEGORIES))
        w, h = (rng.randint(10, 22), rng.randint(10, 22)) if category == 0 else (rng.randint(6, 10),
                                                                                  rng.randint(18, 30))
        x, y = rng.randint(0, size - w - 1), rng.randint(0, size - h - 1)
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(220, 30, 30) if category == 0 else (30, 40, 220))
        boxes.append([float(x), float(y), float(w), float(h)])
        categories.append(category)
    return image, {"bbox": boxes, "category": categories}


def _split_counts(n: int, splits: tuple[str, ...]) -> list[int]:
    """Rows per split: everything in one split, else 80% in the first and the rest shared by the others."""
    if len(splits) == 1:
        return [n]
    first = max(1, round(n * 0.8))
    rest = n - first
    others = [rest // (len(splits) - 1)] * (len(splits) - 1)
    others[0] += rest - sum(others)
    return [first, *others]


def _write_table(path: Path, rows: list[dict], fmt: str) -> None:
    import pandas as pd

    if fmt == "jsonl":
        _write_jsonl(path, rows)
    elif fmt == "csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    elif fmt == "parquet":
        pd.DataFrame(rows).to_parquet(path, index=False)
    else:
        raise ValueError(f"unknown format {fmt!r}: jsonl, csv or parquet")


def make_task_demo(kind: str, out_dir: str | Path, n: int = 200, seed: int = 0,
                   splits: tuple[str, ...] = ("train", "valid"), fmt: str = "jsonl", int_labels: bool = False) -> str:
    """Write a deterministic demo data set of a non-LLM task into ``out_dir``; returns the folder.

    Text kinds write ``<split>.<fmt>`` files (80% in the first split, the rest in the others):
    ``text-classification`` (text, label: "positive"/"negative", or 1/0 with ``int_labels``; a
    sentiment keyword decides the label), ``text-regression`` (text, target: the number of a rating
    sentence), ``token-classification`` (tokens, tags in IOB2 strings; with ``int_labels``
    conll2003's columns id, tokens, pos_tags, chunk_tags, ner_tags as integers, see CONLL_TAGS),
    ``seq2seq`` (samsum's id, dialogue, summary), ``st-pair`` (anchor, positive), ``st-pair-class``
    (all-nli's premise, hypothesis, label 0/1/2), ``st-pair-score`` (sentence1, sentence2, score),
    ``st-triplet`` (anchor, positive, negative), ``st-qa`` (question, answer).

    Image kinds write folders: ``image-classification`` a ``<split>/<class>/*.png`` folder of
    scikit-learn's digits (``n=None`` for all 1797); ``image-regression`` ``<split>/`` with PNGs and
    a ``metadata.csv`` (file_name, target: the digit); ``object-detection`` ``<split>/`` with PNGs
    and a ``metadata.jsonl`` (file_name, objects: {bbox: [[x, y, w, h]], category: [0 or 1]}).
    Tabular kinds write scikit-learn's breast_cancer (classification, column ``target``) or diabetes
    (regression) as ``<split>.csv`` files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if kind in ("tabular-classification", "tabular-regression"):
        from sklearn.datasets import load_breast_cancer, load_diabetes

        frame = (load_breast_cancer if kind == "tabular-classification" else load_diabetes)(as_frame=True).frame
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        if n:
            frame = frame.head(n)
        start = 0
        for split, count in zip(splits, _split_counts(len(frame), splits)):
            frame.iloc[start:start + count].to_csv(out / f"{split}.csv", index=False)
            start += count
        return str(out)
    if kind in ("image-classification", "image-regression"):
        pairs = list(_digit_images(n, seed))
        start = 0
        for split, count in zip(splits, _split_counts(len(pairs), splits)):
            folder = out / split
            meta = []
            for i, (image, digit) in enumerate(pairs[start:start + count]):
                target = folder / str(digit) if kind == "image-classification" else folder
                target.mkdir(parents=True, exist_ok=True)
                image.save(target / f"{start + i:05d}.png")
                meta.append({"file_name": f"{start + i:05d}.png", "target": float(digit)})
            if kind == "image-regression":
                _write_table(folder / "metadata.csv", meta, "csv")
            start += count
        return str(out)
    if kind == "object-detection":
        rng = random.Random(f"{kind}:{seed}")
        start = 0
        for split, count in zip(splits, _split_counts(n, splits)):
            folder = out / split
            folder.mkdir(parents=True, exist_ok=True)
            meta = []
            for i in range(start, start + count):
                image, objects = _detection_image(rng, 64)
                image.save(folder / f"{i:05d}.png")
                meta.append({"file_name": f"{i:05d}.png", "objects": objects})
            _write_jsonl(folder / "metadata.jsonl", meta)
            start += count
        return str(out)
    rows = _task_rows(kind, n, seed, int_labels=int_labels)
    start = 0
    for split, count in zip(splits, _split_counts(len(rows), splits)):
        _write_table(out / f"{split}.{fmt}", rows[start:start + count], fmt)
        start += count
    return str(out)


def task_demo_frame(kind: str, n: int = 200, seed: int = 0, int_labels: bool = False):
    """The rows of a text task demo as a DataFrame (nothing written)."""
    import pandas as pd

    return pd.DataFrame(_task_rows(kind, n, seed, int_labels=int_labels))


def make_demo(out_dir: str | Path, kind: str = "llama") -> dict:
    """Build the tiny model at ``<out_dir>/tiny-<kind>`` and every demo dataset at
    ``<out_dir>/data/<dataset kind>/``; what already exists is kept, so a second call is fast.

    Returns ``{"root": ..., "model": ..., "data": {dataset kind: folder}}``.
    """
    root = Path(out_dir)
    model_dir = root / f"tiny-{kind}"
    if not ((model_dir / "config.json").exists() and (model_dir / "model.safetensors").exists()
            and ((model_dir / "tokenizer.json").exists() or (model_dir / "preprocessor_config.json").exists())):
        build_tiny_model(kind, model_dir)
    data = {}
    for ds_kind in DEMO_KINDS:
        ds_dir = root / "data" / ds_kind
        if not ((ds_dir / "train.jsonl").exists() and (ds_dir / "valid.jsonl").exists()):
            make_demo_dataset(ds_kind, ds_dir)
        data[ds_kind] = str(ds_dir)
    return {"root": str(root), "model": str(model_dir), "data": data}


def demo_config(paths: dict, dataset: str = "sft-chat", project_name: str | None = None) -> dict:
    """A ready-to-train llm-sft config dict for the demo built by ``make_demo``.

    Small enough to finish in seconds on two CPU cores, with a validation split
    so the eval loss shows too.
    """
    conversational = dataset == "sft-chat"
    column = "messages" if conversational else "text"
    return {
        "task": "llm-sft",
        "base_model": paths["model"],
        "project_name": project_name or f"demo-{dataset}",
        "data": {
            "path": paths["data"][dataset],
            "train_split": "train",
            "valid_split": "valid",
            "chat_template": "tokenizer" if conversational else None,
            "column_mapping": {"text_column": column},
        },
        "params": {
            "epochs": 3,
            "batch_size": 8,
            "gradient_accumulation": 1,
            "lr": 2e-3,
            "block_size": 128,
            "model_max_length": 512,
            "logging_steps": 2,
            "eval_strategy": "epoch",
            "save_strategy": "epoch",
            "assistant_only_loss": conversational,
        },
    }


# --------------------------------------------------------------------------- CLI

def demo_cli(argv: list[str] | None = None) -> int:
    """``tunewidgets demo make DIR [--kind llama]``: build the offline demo into DIR.

    ``argv`` is what follows ``demo`` on the command line.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="tunewidgets demo",
                                     description="Build a tiny model and demo datasets offline.")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make", help="build the tiny model and demo datasets into DIR")
    make.add_argument("dir", metavar="DIR", help="folder to build into (created if missing)")
    make.add_argument("--kind", default="llama", choices=model_kinds(), help="tiny model kind")
    args = parser.parse_args(argv)

    try:
        paths = make_demo(args.dir, kind=args.kind)
    except OSError as exc:
        print(f"error: cannot build the demo in {args.dir}: {exc}", file=sys.stderr)
        return 2
    print(f"model: {paths['model']}")
    for ds_kind, path in paths["data"].items():
        print(f"data {ds_kind}: {path}")
    return 0


main = demo_cli

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(demo_cli())
