"""The LLM tasks' checks: one example as the trainer sees it, token lengths, and warnings.

The loss mask is the tokenizer's own answer, not a re-implementation: for assistant-only loss it is
``apply_chat_template(..., return_assistant_tokens_mask=True)``, exactly what TRL reads; for
preference data it is the completion after the prompt; for plain text every token counts. Tokens past
the max length are cut and count for nothing. The tokenizer is set up by ``prepare_tokenizer``, the very
function training uses.
"""

from __future__ import annotations

from typing import Any

from ...config.run_config import RunConfig
from ...data.chat import is_conversational, parse_messages
from ...errors import DataError
from .checks import CheckReport, TokenView, max_length_of, optimizer_steps, resolved_mapping
from .llm_shapes import prompt_completion

STYLES = ("sft", "generic", "preference", "reward")  # how a task reads its text (the loss mask differs)


def check(config: RunConfig, rows: list[dict], total: int | None, style: str = "sft") -> CheckReport:
    """Load the tokenizer as training does and check ``rows`` (the first is shown as tokens)."""
    from .llm_common import prepare_tokenizer

    tokenizer, _ = prepare_tokenizer(config)
    view = loss_view(tokenizer, rows[0], config, style)
    lengths = token_lengths(tokenizer, rows, config, style)
    warnings = collect_warnings(config, tokenizer, rows, lengths, total, view)
    return CheckReport(view=view, lengths=lengths, max_length=max_length_of(config), num_checked=len(rows),
                       num_total=total, warnings=warnings,
                       view_of=lambda index: loss_view(tokenizer, rows[min(index, len(rows) - 1)], config, style))


# --------------------------------------------------------------------------- loss mask


def loss_view(tokenizer, row: dict, config: RunConfig, style: str = "sft") -> TokenView:
    """The tokens of ``row`` as the trainer sees them, with the ones that count for the loss marked."""
    mapping = resolved_mapping(config, [row])
    max_length = max_length_of(config)
    text_key = mapping.get("text_column")
    if not text_key or text_key not in row:
        raise DataError("text_column is not mapped to a column of the data: choose it in the column mapping")
    value = row[text_key]
    if style == "sft" and mapping.get("prompt_text_column"):
        ids, loss, note = _pair_ids(tokenizer, _pair(tokenizer, row, mapping), config)
    elif style in ("preference", "reward"):
        ids, loss, note = _preference_ids(tokenizer, row, mapping, value, reward=style == "reward")
    elif is_conversational(value):
        ids, loss, note = _chat_ids(tokenizer, parse_messages(value), config, style)
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


_PAIR_ROLES = {"prompt_text_column": "prompt", "text_column": "text", "context_column": "context",
               "system_column": "system"}


def _pair(tokenizer, row: dict, mapping: dict) -> dict:
    """The row as training renders it: TRL's prompt/completion pair (see llm_shapes.prompt_completion)."""
    mapped = {name: row.get(mapping[key]) for key, name in _PAIR_ROLES.items() if mapping.get(key)}
    return prompt_completion(mapped, chat=bool(getattr(tokenizer, "chat_template", None)))


def _pair_ids(tokenizer, pair: dict, config: RunConfig) -> tuple[list[int], list[bool], str]:
    """TRL's tokenization of a prompt/completion pair: the completion starts where the prompt's tokens end."""
    if isinstance(pair["prompt"], list):
        head = list(tokenizer.apply_chat_template(pair["prompt"], tokenize=True, return_dict=True,
                                                  add_generation_prompt=True)["input_ids"])
        ids = list(tokenizer.apply_chat_template(pair["prompt"] + pair["completion"], tokenize=True,
                                                 return_dict=True)["input_ids"])
        how = "rendered through the chat template"
    else:
        completion = pair["completion"]
        eos = tokenizer.eos_token or ""
        if eos and not completion.endswith(eos):
            completion += eos  # TRL appends EOS to a plain completion
        head = list(tokenizer(pair["prompt"])["input_ids"])
        ids = list(tokenizer(pair["prompt"] + completion)["input_ids"])
        how = "Alpaca's template" if "### Response:" in pair["prompt"] else "plain prompt + completion"
    if getattr(config.params, "completion_only_loss", None) is False:
        return ids, [True] * len(ids), f"prompt/completion ({how}): completion_only_loss is off, every token counts"
    cut = _common_prefix(head, ids)
    return ids, [i >= cut for i in range(len(ids))], f"prompt/completion ({how}): only the completion counts"


def _chat_ids(tokenizer, messages: list[dict], config: RunConfig, style: str) -> tuple[list[int], list[bool], str]:
    if not getattr(tokenizer, "chat_template", None):
        raise DataError("the data is conversational but the tokenizer has no chat template: "
                        "choose a chat template (chatml or zephyr) in the Data panel")
    assistant_only = bool(getattr(config.params, "assistant_only_loss", False)) and style == "sft"
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


def _preference_ids(tokenizer, row: dict, mapping: dict, chosen: Any, reward: bool):
    prompt_key = mapping.get("prompt_text_column")
    prompt = row.get(prompt_key) if prompt_key else None
    if reward:
        if is_conversational(chosen):
            ids = list(tokenizer.apply_chat_template(parse_messages(chosen), tokenize=True,
                                                     return_dict=True)["input_ids"])
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


# --------------------------------------------------------------------------- lengths and warnings


def token_lengths(tokenizer, rows: list[dict], config: RunConfig, style: str = "sft") -> list[int]:
    """Tokens per example with the real tokenizer (conversations through the chat template)."""
    mapping = resolved_mapping(config, rows)
    key = mapping.get("text_column")
    if not key:
        return []
    texts = []
    prompt_key = mapping.get("prompt_text_column")
    rejected_key = mapping.get("rejected_text_column")
    if style == "sft" and mapping.get("prompt_text_column"):
        return [len(_pair_ids(tokenizer, _pair(tokenizer, row, mapping), config)[0]) for row in rows]
    for row in rows:
        value = row.get(key)
        if style in ("preference", "reward"):
            prompt = row.get(prompt_key) if prompt_key else None
            chosen = _as_text(tokenizer, [prompt, value])
            rejected = _as_text(tokenizer, [prompt, row.get(rejected_key)]) if rejected_key else ""
            texts.append(max(chosen, rejected, key=len))  # the longer pair member is what gets cut
        else:
            texts.append(_as_text(tokenizer, [value]))
    if not texts:
        return []
    encoded = tokenizer(texts, add_special_tokens=True)["input_ids"]
    add_eos = style == "sft" and getattr(config.params, "add_eos_token", True)
    return [len(ids) + (1 if add_eos and not is_conversational(rows[i].get(key)) else 0)
            for i, ids in enumerate(encoded)]


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
    total = num_total if num_total is not None else len(rows)
    if total:
        batch, steps = optimizer_steps(config, total)
        if total < batch:
            out.append(("warning", f"only {total:,} examples but one optimizer step uses {batch:,} "
                                   "(batch_size x gradient_accumulation)"))
        out.append(("info", f"about {steps:,} optimizer steps ({total:,} examples, {batch:,} per step"
                            + ("" if getattr(p, "max_steps", -1) > 0 else f", {p.epochs} epochs") + ")"))
    if not config.data.valid_split:
        out.append(("info", "no validation split: the plot shows the training loss only"))
    if getattr(p, "lr", 0) >= 1e-2:
        out.append(("warning", f"learning rate {p.lr:g} is high for fine-tuning: the loss may diverge"))
    if getattr(p, "packing", None):
        out.append(("info", "packing was measured about 3x slower per token on CPU than padding"))
    return out
