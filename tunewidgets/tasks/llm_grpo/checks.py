"""llm-grpo's checks: a prompt as the model reads it, prompt + completion lengths, and the reward functions
called on the first prompts (a function that fails or returns what TRL cannot use is named before a run).
"""

from __future__ import annotations

from contextlib import contextmanager

from ...config.run_config import RunConfig
from ...errors import TunewidgetsError
from ..shared.checks import CheckReport, TokenView, optimizer_steps


def check(config: RunConfig, rows: list[dict], total: int | None) -> CheckReport:
    """Prepare ``rows`` as training does, show the first prompt's tokens, dry-call the rewards."""
    from datasets import Dataset

    from ..shared.llm_common import prepare_tokenizer
    from .rewards import dry_call, resolve_all
    from .train import mapped_columns, prepare_prompts

    p = config.params
    tokenizer, _ = prepare_tokenizer(config)
    raw = Dataset.from_list(rows)
    with _no_progress_bars():  # the checks run beside a notebook: no bars printed into it
        data = prepare_prompts(raw, "train", mapped_columns(config, raw))
    conversational = isinstance(data[0]["prompt"], list)
    warnings: list[tuple[str, str]] = []
    if conversational and not getattr(tokenizer, "chat_template", None):
        warnings.append(("error", "the prompts are conversations but the tokenizer has no chat template: choose "
                                  "one (chatml or zephyr) in the Data panel"))
        conversational = False

    def prompt_ids(index: int) -> list[int]:
        prompt = data[min(index, len(data) - 1)]["prompt"]
        if conversational:
            return list(tokenizer.apply_chat_template(prompt, tokenize=True, return_dict=True,
                                                      add_generation_prompt=True)["input_ids"])
        return list(tokenizer(str(prompt))["input_ids"])

    def view(index: int) -> TokenView:
        ids = prompt_ids(index)
        how = "through the chat template, with the assistant's turn opened" if conversational else "as written"
        return TokenView(ids=ids, texts=[tokenizer.decode([i]) for i in ids], loss=[False] * len(ids),
                         max_length=p.max_length,
                         note=f"the prompt as the model reads it ({how}); the model writes up to "
                              f"{p.max_completion_length} tokens after it and the reward functions score them")

    lengths = [len(prompt_ids(i)) + p.max_completion_length for i in range(len(data))]
    too_long = sum(n > p.max_length for n in lengths)
    if too_long:
        warnings.append(("warning", f"{too_long} of {len(lengths)} prompts plus max_completion_length "
                                    f"{p.max_completion_length} exceed model_max_length {p.max_length}: shorten them "
                                    "or lower max_completion_length"))
    try:
        for line in dry_call(resolve_all(p.reward_functions), data, tokenizer):
            warnings.append(("info", f"reward function {line.replace(': [', ' on sample completions: [', 1)}"))
    except TunewidgetsError as exc:
        warnings.append(("error", str(exc)))
    extra = [c for c in data.column_names if c != "prompt"]
    warnings.append(("info", "columns passed to the reward functions besides prompts and completions: "
                             + (", ".join(extra) if extra else "(none)")))
    if total:
        batch, steps = optimizer_steps(config, total * p.num_generations)
        warnings.append(("info", f"about {steps:,} optimizer steps: {total:,} prompts x {p.num_generations} "
                                 f"completions, {batch:,} completions per step"))
    return CheckReport(view=view(0), lengths=lengths, max_length=p.max_length, num_checked=len(lengths),
                       num_total=total, warnings=warnings, view_of=view)


@contextmanager
def _no_progress_bars():
    import datasets

    was = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was:
            datasets.enable_progress_bars()
