"""The vision-language checks: one example as the model sees it (the image's tokens, the prompt, the answer that
counts for the loss), token lengths, and the rows that would stop a run (a missing image, an empty answer).

The loss mask is the collator's own answer, not a re-implementation: each example goes through the very
collator training uses (TRL's, or collate.py's without a chat template), with the real processor.
"""

from __future__ import annotations

from ...config.run_config import RunConfig
from ...errors import DataError
from ..shared.checks import CheckReport, TokenView, resolved_mapping
from ..shared.images import data_root, open_image, resolve
from .collate import PromptAnswerCollator, has_chat_template
from .data import image_problem, user_prompt
from .model import load_processor

MAX_COLLATED = 100  # rows run through the processor for the lengths (each opens its image)


def check(config: RunConfig, rows: list[dict], total: int | None, captioning: bool = False) -> CheckReport:
    """Load the processor as training does and check ``rows`` (the first is shown as tokens)."""
    processor = load_processor(config.base_model, config.hub_token)
    chat = has_chat_template(processor)
    mapping = resolved_mapping(config, rows)
    keys = {role: mapping.get(f"{role}_column") for role in ("image", "text", "prompt_text")}
    for role in ("image", "text") if captioning else ("image", "text", "prompt_text"):
        if not keys[role] or keys[role] not in rows[0]:
            raise DataError(f"{role}_column is not mapped to a column of the data: choose it in the column mapping")
    root = data_root(config)
    warnings = _row_warnings(rows, keys, root, captioning)
    good = [row for row in rows if not _row_problem(row, keys, root, captioning)] or rows[:1]
    collate = _collator(processor, chat, config.params.model_max_length)

    def view(index: int) -> TokenView:
        row = good[min(index, len(good) - 1)]
        batch = collate([_example(row, keys, root, captioning, chat)])
        kept = batch["attention_mask"][0].bool()
        ids = batch["input_ids"][0][kept].tolist()
        loss = (batch["labels"][0][kept] != -100).tolist()
        layout = "the chat template" if chat else "prefix and suffix (no chat template)"
        return TokenView(ids=ids, texts=[processor.tokenizer.decode([i]) for i in ids], loss=loss,
                         max_length=max_length, note=f"laid out by {layout}; the answer counts for the loss")

    lengths = [int(collate([_example(row, keys, root, captioning, chat)])["attention_mask"].sum())
               for row in good[:MAX_COLLATED]]
    max_length = config.params.model_max_length or max(lengths)
    if config.params.model_max_length and any(n > max_length for n in lengths):
        warnings.append(("warning", f"examples longer than model_max_length {max_length} are cut at the end; a cut "
                                    "through the image's tokens stops the run: raise it or set it to null"))
    if not chat:
        warnings.append(("info", "the processor has no chat template: prompts are laid out as PaliGemma's prefix "
                                 f"and suffix ('{user_prompt('', captioning, chat=False).strip()} ...')"))
    if not config.data.valid_split:
        warnings.append(("info", "no validation split: no eval loss"))
    return CheckReport(view=view(0), lengths=lengths, max_length=max_length, num_checked=len(lengths),
                       num_total=total, warnings=warnings, view_of=view)


def _collator(processor, chat: bool, max_length: int | None):
    if not chat:
        return PromptAnswerCollator(processor, max_length)
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    return DataCollatorForVisionLanguageModeling(processor=processor, max_length=max_length,
                                                 completion_only_loss=True)


def _example(row: dict, keys: dict, root, captioning: bool, chat: bool) -> dict:
    """One row as the collator receives it (a fresh dict: TRL's collator rewrites what it is given)."""
    prompt = user_prompt(row.get(keys["prompt_text"]) if keys["prompt_text"] else None, captioning, chat)
    answer = str(row[keys["text"]])
    image = open_image(resolve(row[keys["image"]], root))
    if chat:
        return {"image": image, "prompt": [{"role": "user", "content": prompt}],
                "completion": [{"role": "assistant", "content": answer}]}
    return {"image": image, "prompt": prompt, "completion": answer}


def _row_problem(row: dict, keys: dict, root, captioning: bool) -> str | None:
    problem = image_problem(resolve(row.get(keys["image"]), root))
    if problem:
        return f"{keys['image']}: {problem}"
    for role in ("text",) if captioning else ("text", "prompt_text"):
        value = row.get(keys[role])
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"{keys[role]}: empty"
    return None


def _row_warnings(rows: list[dict], keys: dict, root, captioning: bool) -> list[tuple[str, str]]:
    """The first rows that would stop training, as errors (the run itself stops at the first)."""
    bad = [(index, problem) for index, row in enumerate(rows)
           if (problem := _row_problem(row, keys, root, captioning))]
    if not bad:
        return []
    shown = "; ".join(f"row {index + 1}, {problem}" for index, problem in bad[:3])
    return [("error", f"{len(bad):,} of {len(rows):,} rows would stop the run: {shown}"
                      + (" ..." if len(bad) > 3 else ""))]
