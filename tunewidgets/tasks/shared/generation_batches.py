"""Greedy answers to a list of prompts, for any model that writes text: a causal LM, an encoder-decoder, a
vision-language model. Used during training (eval_generate) and after it (``tunewidgets compare``), so the
answers a user compares were written the same way.

Causal prompts are laid out as training laid them out: a conversation through the tokenizer's chat template with
the generation prompt, a plain string as it is. They are batched with left padding (the answers start where every
prompt ends) and cut from the left when longer than the model can take with the answer.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Sequence

from .generation_examples import CAUSAL, SEQ2SEQ, VLM, GenerationExample

BATCH = 8


def answers(kind: str, model, processor, examples: Sequence[GenerationExample], max_new_tokens: int = 64,
            batch_size: int = BATCH, **options: Any) -> list[str]:
    """One greedy answer per example; the model is left in the mode (train or eval) it was in."""
    if not examples:
        return []
    with _evaluating(model):
        if kind == CAUSAL:
            return _causal(model, processor, examples, max_new_tokens, batch_size)
        if kind == SEQ2SEQ:
            return _seq2seq(model, processor, examples, max_new_tokens, batch_size,
                            options.get("max_source_tokens"))
        if kind == VLM:
            return _vision(model, processor, examples, max_new_tokens, bool(options.get("captioning")))
    raise ValueError(f"no generation for models of kind {kind!r}: one of {CAUSAL}, {SEQ2SEQ}, {VLM}")


def render(tokenizer, prompt: Any) -> tuple[str, bool]:
    """(the prompt's text, whether the tokenizer adds its special tokens): a conversation through the chat
    template (the template writes BOS itself), a string as it is."""
    if isinstance(prompt, list):
        text = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        return text, False
    return str(prompt), True


def _causal(model, tokenizer, examples, max_new_tokens: int, batch_size: int) -> list[str]:
    import torch

    limit = _prompt_limit(model, tokenizer, max_new_tokens)
    ids = []
    for example in examples:
        text, special = render(tokenizer, example.prompt)
        tokens = tokenizer(text, add_special_tokens=special)["input_ids"]
        ids.append(tokens[-limit:] if limit and len(tokens) > limit else tokens)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    device = next(model.parameters()).device
    out: list[str] = []
    for chunk in _chunks(ids, batch_size):
        width = max(len(x) for x in chunk)  # left padding: every answer starts at the same column
        input_ids = torch.tensor([[pad] * (width - len(x)) + x for x in chunk], device=device)
        mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in chunk], device=device)
        with torch.no_grad():
            generated = model.generate(input_ids=input_ids, attention_mask=mask, max_new_tokens=int(max_new_tokens),
                                       do_sample=False, pad_token_id=pad, use_cache=True)
        out += [tokenizer.decode(row[width:], skip_special_tokens=True).strip() for row in generated]
    return out


def _prompt_limit(model, tokenizer, max_new_tokens: int) -> int | None:
    """How many prompt tokens fit beside the answer (the model's positions, else the tokenizer's limit)."""
    positions = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    limit = positions or getattr(tokenizer, "model_max_length", None)
    if not isinstance(limit, int) or limit > 10**7:
        return None
    return max(limit - int(max_new_tokens), 1)


def _seq2seq(model, tokenizer, examples, max_new_tokens: int, batch_size: int, max_source: int | None) -> list[str]:
    import torch

    device = next(model.parameters()).device
    out: list[str] = []
    for chunk in _chunks([str(e.prompt) for e in examples], batch_size):
        inputs = tokenizer(chunk, return_tensors="pt", padding=True, truncation=True,
                           **({"max_length": int(max_source)} if max_source else {}))
        inputs = {k: v.to(device) for k, v in inputs.items()}
        with torch.no_grad():
            generated = model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False)
        out += [text.strip() for text in tokenizer.batch_decode(generated, skip_special_tokens=True)]
    return out


def _vision(model, processor, examples, max_new_tokens: int, captioning: bool) -> list[str]:
    from ..vlm.predict import answer  # the prompt laid out as training laid it out

    return [answer(model, processor, e.image, str(e.prompt or ""), captioning, max_new_tokens) for e in examples]


def _chunks(items: list, size: int) -> Iterable[list]:
    size = max(int(size), 1)
    for start in range(0, len(items), size):
        yield items[start:start + size]


@contextmanager
def _evaluating(model):
    """Eval mode (no dropout) for the answers, the model's own mode back after them."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        if was_training:
            model.train()
