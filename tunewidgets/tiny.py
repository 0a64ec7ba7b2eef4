"""Tiny models and demo data built locally, for tests, notebooks and the offline demo.

Nothing here reaches a hub: the tokenizer is a byte-level BPE trained with ``tokenizers``
on text generated below, the models get random (seeded) weights, and the demo data sets
are generated from a few fact patterns simple enough that a model of well under a million
parameters visibly lowers its loss within a few dozen steps.

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
                    texts: list[str] | None = None):
    """Train a byte-level BPE tokenizer with the CHATML chat template.

    ``texts`` replaces the built-in generated corpus. Returns a
    ``transformers.PreTrainedTokenizerFast``; saved to ``out_dir`` when given.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from tunewidgets.data.chat_templates import CHATML, TEMPLATE_SPECIAL_TOKENS

    specials = list(dict.fromkeys(SPECIAL_TOKENS + TEMPLATE_SPECIAL_TOKENS["chatml"]))
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
        extra_special_tokens=[IM_START, IM_END],
        padding_side="right", model_max_length=512,
        clean_up_tokenization_spaces=False,
    )
    hf_tok.chat_template = CHATML
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        hf_tok.save_pretrained(str(out_dir))
    return hf_tok


# -------------------------------------------------------------------------- models

def build_tiny_llama(out_dir: str | Path, *, vocab_size: int = 512, hidden_size: int = 64,
                     layers: int = 2, heads: int = 4, kv_heads: int = 2,
                     intermediate_size: int = 128, max_position_embeddings: int = 512,
                     seed: int = 0) -> str:
    """Save a randomly initialised (seeded) ``LlamaForCausalLM`` and its tokenizer to ``out_dir``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(out, vocab_size=vocab_size)
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
    model.generation_config.eos_token_id = [tok.eos_token_id, tok.convert_tokens_to_ids(IM_END)]
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


# Builders by kind; BERT, T5, ViT and detection builders slot in here with the same shape:
# builder(out_dir, **kw) -> str (the saved model directory).
_MODEL_BUILDERS: dict[str, Callable[..., str]] = {"llama": build_tiny_llama}


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


def make_demo(out_dir: str | Path, kind: str = "llama") -> dict:
    """Build the tiny model at ``<out_dir>/tiny-<kind>`` and every demo dataset at
    ``<out_dir>/data/<dataset kind>/``; what already exists is kept, so a second call is fast.

    Returns ``{"root": ..., "model": ..., "data": {dataset kind: folder}}``.
    """
    root = Path(out_dir)
    model_dir = root / f"tiny-{kind}"
    if not ((model_dir / "config.json").exists() and (model_dir / "model.safetensors").exists()
            and (model_dir / "tokenizer.json").exists()):
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
