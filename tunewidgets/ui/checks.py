"""What the checks panel computes, kept free of widgets so it is tested directly.

The loss mask is the tokenizer's own answer, not a re-implementation: for
assistant-only loss it is ``apply_chat_template(..., return_assistant_tokens_mask=True)``,
exactly what TRL reads; for preference data it is the completion after the
prompt; for plain text every token counts. Tokens past the max length are cut
and count for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config.run_config import RunConfig
from ..data.chat import is_conversational, parse_messages
from ..errors import DataError, ModelError
from . import theme

PREFERENCE_TASKS = ("llm-dpo", "llm-orpo", "llm-reward")


@dataclass
class TokenView:
    """One example as tokens, and which of them count for the loss."""

    ids: list[int]
    texts: list[str]
    loss: list[bool]
    max_length: int
    note: str = ""

    @property
    def kept(self) -> list[bool]:
        return [i < self.max_length for i in range(len(self.ids))]

    @property
    def trained(self) -> list[bool]:
        """Counts for the loss and is not cut off."""
        return [loss and kept for loss, kept in zip(self.loss, self.kept)]


@dataclass
class CheckReport:
    """Everything the panel shows after a check."""

    view: TokenView | None
    lengths: list[int]
    max_length: int
    num_checked: int
    num_total: int | None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (level, text)

    @property
    def num_too_long(self) -> int:
        return sum(1 for n in self.lengths if n > self.max_length)

    def summary(self) -> str:
        if not self.lengths:
            return "no examples to check"
        checked = f"{self.num_checked:,}"
        if self.num_total and self.num_total > self.num_checked:
            checked += f" (the first of {self.num_total:,})"
        return f"{self.num_too_long:,} of {checked} examples exceed {self.max_length:,} tokens"


# --------------------------------------------------------------------------- tokenizer


def load_tokenizer(config: RunConfig):
    """The base model's tokenizer with the config's chat template installed, as training will use it."""
    from ..data.chat import apply_chat_template_to_tokenizer
    from ..tasks.common import check_model_source

    try:
        from transformers import AutoTokenizer

        token = config.hub.token.get_secret_value() if config.hub.token else None
        tokenizer = AutoTokenizer.from_pretrained(check_model_source(config.base_model), token=token)
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not load the tokenizer of '{config.base_model}': {str(exc).splitlines()[0][:200]}") \
            from None
    if getattr(config.params, "padding", None):
        tokenizer.padding_side = config.params.padding
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    if config.data.chat_template:
        apply_chat_template_to_tokenizer(tokenizer, config.data.chat_template)
    return tokenizer


def max_length_of(config: RunConfig) -> int:
    params = config.params
    if hasattr(params, "max_length"):
        return int(params.max_length)
    return int(getattr(params, "max_seq_length", 512))


def resolved_mapping(config: RunConfig, rows: list[dict]) -> dict:
    from ..data.columns import guess_column_mapping

    mapping = dict(config.data.column_mapping or {})
    if not mapping and rows:
        mapping = guess_column_mapping(config.task, list(rows[0]), rows[:20])
    return mapping


# --------------------------------------------------------------------------- loss mask


def loss_view(tokenizer, row: dict, config: RunConfig) -> TokenView:
    """The tokens of ``row`` as the trainer sees them, with the ones that count for the loss marked."""
    mapping = resolved_mapping(config, [row])
    max_length = max_length_of(config)
    text_key = mapping.get("text_column")
    if not text_key or text_key not in row:
        raise DataError("text_column is not mapped to a column of the data: choose it in the column mapping")
    value = row[text_key]
    if config.task in PREFERENCE_TASKS:
        ids, loss, note = _preference_ids(tokenizer, row, mapping, value, config.task)
    elif is_conversational(value):
        ids, loss, note = _chat_ids(tokenizer, parse_messages(value), config)
    else:
        if not isinstance(value, str):
            raise DataError(f"column '{text_key}' holds {type(value).__name__}: expected text or a conversation")
        ids = list(tokenizer(value, add_special_tokens=True)["input_ids"])
        eos = tokenizer.eos_token_id
        if getattr(config.params, "add_eos_token", True) and eos is not None and (not ids or ids[-1] != eos):
            ids.append(eos)
        loss, note = [True] * len(ids), "plain text: every token counts for the loss"
    texts = [tokenizer.decode([i]) for i in ids]
    return TokenView(ids=ids, texts=texts, loss=loss, max_length=max_length, note=note)


def _chat_ids(tokenizer, messages: list[dict], config: RunConfig) -> tuple[list[int], list[bool], str]:
    if not getattr(tokenizer, "chat_template", None):
        raise DataError("the data is conversational but the tokenizer has no chat template: "
                        "choose a chat template (chatml or zephyr) in the Data panel")
    assistant_only = bool(getattr(config.params, "assistant_only_loss", False)) and config.task == "llm-sft"
    try:
        out = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=assistant_only)
    except Exception as exc:  # noqa: BLE001 - a broken template is the user's to fix
        raise DataError(f"the chat template failed on this conversation: {exc}") from None
    ids = list(out["input_ids"])
    if assistant_only:
        mask = [bool(m) for m in out["assistant_masks"]]
        note = "assistant-only loss: only the assistant turns count"
        if not any(mask):
            note = ("assistant-only loss, but the chat template marks no assistant tokens (it needs "
                    "{% generation %} tags): nothing would be trained")
        return ids, mask, note
    return ids, [True] * len(ids), "every token of the conversation counts (assistant_only_loss is off)"


def _preference_ids(tokenizer, row: dict, mapping: dict, chosen: Any, task: str):
    prompt_key = mapping.get("prompt_text_column")
    prompt = row.get(prompt_key) if prompt_key else None
    if task == "llm-reward":
        if is_conversational(chosen):
            ids = list(tokenizer.apply_chat_template(parse_messages(chosen), tokenize=True, return_dict=True)["input_ids"])
        else:
            ids = list(tokenizer((prompt or "") + str(chosen))["input_ids"])
        return ids, [True] * len(ids), "reward model: the whole chosen sequence is scored"
    if is_conversational(chosen):
        messages = parse_messages(chosen)
        prompt_messages = parse_messages(prompt) if prompt is not None and is_conversational(prompt) else messages[:-1]
        full = messages if prompt is None or not is_conversational(prompt) else prompt_messages + messages
        ids = list(tokenizer.apply_chat_template(full, tokenize=True, return_dict=True)["input_ids"])
        head = list(tokenizer.apply_chat_template(prompt_messages, tokenize=True, return_dict=True,
                                                  add_generation_prompt=True)["input_ids"]) if prompt_messages else []
    else:
        head = list(tokenizer(str(prompt or ""))["input_ids"]) if prompt else []
        ids = head + list(tokenizer(str(chosen), add_special_tokens=False)["input_ids"])
    cut = _common_prefix(head, ids)
    return ids, [i >= cut for i in range(len(ids))], "preference data: the chosen completion after the prompt counts"


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def render_tokens(view: TokenView, limit: int = 1200) -> str:
    """Tokens as spans: shaded when they count for the loss, struck through when cut off."""
    spans = []
    for index, (token_id, text, loss, kept) in enumerate(zip(view.ids, view.texts, view.loss, view.kept)):
        if index >= limit:
            spans.append(f'<span class="tw-tok-more">… {len(view.ids) - limit:,} more tokens</span>')
            break
        shown = theme.esc(text).replace("\n", "↵\n") or "∅"
        if not kept:
            cls, style = "tw-tok tw-tok-cut", f"background:{theme.CUT_SHADE};text-decoration:line-through;color:#999"
        elif loss:
            cls, style = "tw-tok tw-tok-loss", f"background:{theme.LOSS_SHADE};border-radius:2px"
        else:
            cls, style = "tw-tok tw-tok-context", "color:#555"
        spans.append(f'<span class="{cls}" data-id="{token_id}" title="token {index}: id {token_id}" '
                     f'style="{style};box-shadow:inset -1px 0 0 #fff">{shown}</span>')
    legend = (f'<div class="tw-help" style="color:{theme.GREY};font-size:12px;margin-bottom:4px">'
              f'<span style="background:{theme.LOSS_SHADE};padding:0 4px">counts for the loss</span> '
              f'<span style="color:#555;padding:0 4px">context only</span> '
              f'<span style="background:{theme.CUT_SHADE};text-decoration:line-through;padding:0 4px">cut at '
              f'{view.max_length} tokens</span> · {sum(view.trained):,} of {len(view.ids):,} tokens trained · '
              f'{theme.esc(view.note)}</div>')
    return legend + f'<div class="tw-tokens" style="font-family:monospace;font-size:12px;line-height:1.9;' \
                    f'white-space:pre-wrap;word-break:break-all;max-height:260px;overflow:auto">{"".join(spans)}</div>'


# --------------------------------------------------------------------------- lengths and warnings


def token_lengths(tokenizer, rows: list[dict], config: RunConfig) -> list[int]:
    """Tokens per example with the real tokenizer (conversations through the chat template)."""
    mapping = resolved_mapping(config, rows)
    key = mapping.get("text_column")
    if not key:
        return []
    texts = []
    prompt_key = mapping.get("prompt_text_column")
    rejected_key = mapping.get("rejected_text_column")
    for row in rows:
        value = row.get(key)
        if config.task in PREFERENCE_TASKS:
            prompt = row.get(prompt_key) if prompt_key else None
            chosen = _as_text(tokenizer, [prompt, value])
            rejected = _as_text(tokenizer, [prompt, row.get(rejected_key)]) if rejected_key else ""
            texts.append(max(chosen, rejected, key=len))  # the longer pair member is what gets cut
        else:
            texts.append(_as_text(tokenizer, [value]))
    if not texts:
        return []
    encoded = tokenizer(texts, add_special_tokens=True)["input_ids"]
    add_eos = config.task == "llm-sft" and getattr(config.params, "add_eos_token", True)
    return [len(ids) + (1 if add_eos and not is_conversational(rows[i].get(key)) else 0) for i, ids in enumerate(encoded)]


def _as_text(tokenizer, values: list[Any]) -> str:
    out = []
    for value in values:
        if value is None:
            continue
        if is_conversational(value):
            try:
                out.append(tokenizer.apply_chat_template(parse_messages(value), tokenize=False))
            except Exception:  # noqa: BLE001 - counted as its plain text instead
                out.append(str(value))
        else:
            out.append(str(value))
    return "".join(out)


def collect_warnings(config: RunConfig, tokenizer, rows: list[dict], lengths: list[int],
                     num_total: int | None, view: TokenView | None) -> list[tuple[str, str]]:
    """(level, text) pairs that save a wasted run; level is error, warning or info."""
    out: list[tuple[str, str]] = []
    p = config.params
    max_length = max_length_of(config)
    too_long = sum(1 for n in lengths if n > max_length)
    if lengths:
        share = too_long / len(lengths)
        if too_long:
            out.append(("warning" if share < 0.5 else "error",
                        f"{too_long:,} of {len(lengths):,} examples exceed {max_length:,} tokens and are cut "
                        f"(longest {max(lengths):,}): raise model_max_length/block_size or shorten them"))
        else:
            out.append(("info", f"all {len(lengths):,} examples checked fit in {max_length:,} tokens "
                                f"(longest {max(lengths):,}, median {sorted(lengths)[len(lengths) // 2]:,})"))
    mapping = resolved_mapping(config, rows)
    key = mapping.get("text_column")
    values = [r.get(key) for r in rows] if key else []
    conversational = bool(values) and is_conversational(values[0])
    if getattr(p, "assistant_only_loss", False):
        if not conversational:
            out.append(("error", "assistant_only_loss needs conversational data (a column of {role, content} lists)"))
        elif "generation" not in (getattr(tokenizer, "chat_template", "") or ""):
            out.append(("error", "assistant_only_loss is on but the chat template has no {% generation %} tags: "
                                 "choose chatml or zephyr as the chat template"))
    if view is not None and not any(view.trained):
        out.append(("error", "no token of this example counts for the loss (all cut off or masked)"))
    empty = sum(1 for v in values if v is None or (isinstance(v, str) and not v.strip()))
    if empty:
        out.append(("warning", f"{empty:,} of {len(values):,} examples checked have an empty text"))
    batch = getattr(p, "batch_size", 1) * getattr(p, "gradient_accumulation", 1)
    total = num_total if num_total is not None else len(rows)
    if total and total < batch:
        out.append(("warning", f"only {total:,} examples but one optimizer step uses {batch:,} "
                               "(batch_size x gradient_accumulation)"))
    if total:
        import math

        steps = p.max_steps if getattr(p, "max_steps", -1) > 0 else math.ceil(total / max(batch, 1)) * p.epochs
        out.append(("info", f"about {steps:,} optimizer steps ({total:,} examples, {batch:,} per step"
                            + ("" if getattr(p, "max_steps", -1) > 0 else f", {p.epochs} epochs") + ")"))
    if not config.data.valid_split:
        out.append(("info", "no validation split: the plot shows the training loss only"))
    if getattr(p, "lr", 0) >= 1e-2:
        out.append(("warning", f"learning rate {p.lr:g} is high for fine-tuning: the loss may diverge"))
    if getattr(p, "packing", None):
        out.append(("info", "packing was measured about 3x slower per token on CPU than padding"))
    return out


CLASSIFICATION_TASKS = ("text_classification", "image_classification", "sentence-transformers:pair_class")
REGRESSION_TASKS = ("text_regression", "image_regression", "sentence-transformers:pair_score")


def label_warnings(config: RunConfig, rows: list[dict]) -> list[tuple[str, str]]:
    """Labels that would waste a run: one class only, classes seen once, a strong imbalance, non-numeric targets."""
    mapping = resolved_mapping(config, rows)
    key = mapping.get("target_column")
    if not key or not rows:
        return []
    values = [r.get(key) for r in rows if r.get(key) is not None]
    out: list[tuple[str, str]] = []
    if config.task in CLASSIFICATION_TASKS:
        from collections import Counter

        counts = Counter(str(v) for v in values)
        shown = ", ".join(f"{label} {n:,}" for label, n in counts.most_common(8))
        out.append(("info", f"labels in the {len(values):,} rows checked: {shown}"
                            + (" ..." if len(counts) > 8 else "")))
        if len(counts) < 2:
            out.append(("error", f"only one label ({next(iter(counts), '?')}) in the rows checked: "
                                 "a classifier needs at least two"))
        rare = [label for label, n in counts.items() if n == 1]
        if rare and len(counts) >= 2:
            out.append(("warning", f"{len(rare)} label(s) appear once: {', '.join(rare[:5])}"))
        if len(counts) >= 2:
            most, least = counts.most_common()[0][1], counts.most_common()[-1][1]
            if most >= 10 * least:
                out.append(("warning", f"labels are imbalanced ({most:,} vs {least:,}): accuracy will mislead; "
                                       "watch f1"))
    elif config.task in REGRESSION_TASKS:
        bad = [v for v in values if not isinstance(v, (int, float)) or isinstance(v, bool)]
        if bad:
            out.append(("error", f"{len(bad):,} targets are not numbers (e.g. {bad[0]!r}): regression needs numbers"))
    return out
