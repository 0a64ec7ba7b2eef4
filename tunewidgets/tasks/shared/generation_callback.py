"""eval_generate: at the start and at each evaluation, the model answers a fixed handful of validation prompts.

The answers go to generations.jsonl (generation_file.py), their scores to the Trainer's log as
``eval_gen_rougeL``, ``eval_gen_exact_match``, ``eval_gen_f1``, ``eval_gen_length`` and the time the round took
as ``eval_gen_seconds``: through ``Trainer.log``, so they land in metrics.jsonl, the events, TensorBoard or W&B
like any evaluation score. The round at step 0 shows what the starting model says, the before of the
before-and-after. Every process answers (a ZeRO-3 or FSDP model needs all of them for each forward pass); the
main one writes.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from transformers import Trainer, TrainerCallback

from ...errors import DataError
from ..base import TaskContext
from .generation_batches import answers
from .generation_examples import GenerationExample, pick_examples
from .generation_file import append_generations
from .generation_scores import generation_scores


class GenerationCallback(TrainerCallback):
    """Answers ``examples`` at train begin (a fresh run) and after each evaluation."""

    def __init__(self, examples: Sequence[GenerationExample], kind: str, processor, *, run_dir,
                 max_new_tokens: int = 64, log: Callable[[str], None] = print, options: dict | None = None):
        self.examples = list(examples)
        self.kind = kind
        self.processor = processor
        self.run_dir = run_dir
        self.max_new_tokens = max_new_tokens
        self.log = log
        self.options = dict(options or {})
        self.trainer = None  # set once the trainer exists: the scores go out through its log
        self.done_steps: set[int] = set()
        self.failed = False  # a round raised: no more rounds (the run goes on)

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if state.global_step == 0:  # a resumed run had its first round before
            self.generate_round(args, state, model)

    def on_evaluate(self, args, state, control, model=None, **kwargs):
        self.generate_round(args, state, model)

    def generate_round(self, args, state, model) -> dict[str, float]:
        """One round at the current step (once per step): answers written, scores logged and returned."""
        step = state.global_step
        if step in self.done_steps or model is None or self.failed:
            return {}
        self.done_steps.add(step)
        started = time.perf_counter()
        try:
            outputs = answers(self.kind, model, self.processor, self.examples, self.max_new_tokens,
                              batch_size=max(int(getattr(args, "per_device_eval_batch_size", 8) or 8), 1),
                              **self.options)
        except Exception as exc:  # noqa: BLE001 - judging the model never ends its training
            self.failed = True
            self.log(f"warning: generations at step {step} failed, and are off for the rest of the run "
                     f"(training goes on): {type(exc).__name__}: {exc}")
            return {}
        seconds = time.perf_counter() - started
        scores = {f"eval_gen_{k}": v for k, v in generation_scores(outputs, [e.reference for e in self.examples])
                  .items()}
        scores["eval_gen_seconds"] = round(seconds, 3)
        if state.is_world_process_zero:
            append_generations(self.run_dir, step, state.epoch, self.examples, outputs)
            shown = ", ".join(f"{k.removeprefix('eval_gen_')} {v:.3g}" for k, v in scores.items()
                              if k != "eval_gen_seconds")
            self.log(f"generations at step {step}: {len(outputs)} prompts answered in {seconds:.1f} s ({shown})")
        if self.trainer is not None:
            Trainer.log(self.trainer, dict(scores))  # the base log: TRL's own merges its running metrics in
        return scores


def add_generations(ctx: TaskContext, trainer, processor, dataset, kind: str, **options: Any):
    """Install the callback when ``params.eval_generate`` asks for it; ``dataset`` is the validation split as the
    task prepared it for training (its rows' shape says what a prompt is). Returns the callback or None."""
    p = ctx.config.params
    count = int(getattr(p, "eval_generate", 0) or 0)
    if not count:
        return None
    if dataset is None:
        raise DataError(f"params.eval_generate {count} answers validation prompts: this run has no validation "
                        "data (set data.valid_split, or give valid_data)")
    examples = pick_examples(dataset, count, kind)
    if not examples:
        raise DataError("params.eval_generate: no row of the validation split holds a prompt to answer")
    callback = GenerationCallback(examples, kind, processor, run_dir=ctx.run_dir,
                                  max_new_tokens=p.eval_generate_max_new_tokens, log=ctx.log, options=options)
    callback.trainer = trainer
    trainer.add_callback(callback)
    with_refs = sum(e.reference is not None for e in examples)
    ctx.log(f"eval_generate: {len(examples)} validation prompts ({with_refs} with a reference) answered at the "
            "start and at each evaluation, into generations.jsonl")
    return callback
