"""llm-grpo: TRL's GRPOTrainer on prompts, scored by reward functions.

The data is a prompt column, plain text or a conversation; every other column goes to the reward functions as
TRL passes it (a reference answer, a test case). The reward functions are resolved and dry-called on a few
prompts before the model loads, so a broken one is named before any time is spent. The trainer is TRL's, with
two additions: the reference model (``beta > 0`` without PEFT) is a frozen copy of the starting model rather
than a reload from disk (an in-memory or resized model would otherwise be compared with other weights), and
each log writes a few of the newest completions and their rewards to the run directory (completions.jsonl),
which the app shows.
"""

from __future__ import annotations

import copy
import math
import random
from typing import Any

from ...data.chat import is_conversational, parse_messages
from ...errors import ConfigError, DataError
from ..base import TaskContext, TrainJob
from ..shared.llm_common import (
    llm_arguments,
    llm_job,
    load_causal_lm,
    lora_config,
    prepare_tokenizer,
    require_chat_template,
    safe_map,
)
from ..shared.llm_shapes import with_system
from ..shared.peft_variants import changes_the_base
from ..shared.samples import append_samples, as_text, shorten
from ..shared.splits import load_train_valid
from .rewards import RESERVED_COLUMNS, dry_call, resolve_all

SAMPLES_PER_LOG = 8  # completions written to completions.jsonl at each log


# --------------------------------------------------------------------------- data


def mapped_columns(config, dataset) -> dict[str, str]:
    """{the user's column: the name training reads} for the mapped roles (prompt, system); the guess when the
    config maps nothing, as every task guesses."""
    from ...data.columns import guess_column_mapping

    mapping = dict(config.data.column_mapping or {})
    if not mapping:
        rows = [dataset[i] for i in range(min(5, len(dataset)))]
        mapping = guess_column_mapping(config.task, list(dataset.column_names), rows)
    renames = {}
    for role in config.task_info.roles:
        name = mapping.get(role.key)
        if isinstance(name, str) and name:
            renames[name] = role.renamed_to
    return renames


def prepare_prompts(dataset, name: str, renames: dict[str, str]):
    """The split as GRPOTrainer reads it: ``prompt`` (text, or a list of messages with the row's system prompt
    first), and every other column as it is, for the reward functions."""
    if len(dataset) == 0:
        raise DataError(f"the {name} split has no rows")
    for old, new in renames.items():
        if new in dataset.column_names and new != old:
            raise DataError(f"the {name} split has a column '{new}' besides the mapped {old}: rename one of them")
    dataset = dataset.rename_columns({old: new for old, new in renames.items() if old != new})
    reserved = [c for c in dataset.column_names if c in RESERVED_COLUMNS]
    if reserved:
        raise DataError(f"column '{reserved[0]}' of the {name} split has a name TRL gives a reward function itself "
                        f"({', '.join(RESERVED_COLUMNS)}): rename it")
    chat = any(is_conversational(dataset[i]["prompt"]) for i in range(min(5, len(dataset))))
    has_system = "system" in dataset.column_names

    def row(example: dict, index: int) -> dict:
        prompt = example["prompt"]
        system = example.get("system") if has_system else None
        if chat:
            plain = isinstance(prompt, str) and not prompt.lstrip().startswith(("[", "{"))
            try:  # a plain prompt among conversations is the user's turn
                prompt = [{"role": "user", "content": prompt}] if plain else parse_messages(prompt)
            except DataError as exc:
                raise DataError(f"row {index + 1} of the {name} split, prompt: {exc}") from None
            if not prompt:
                raise DataError(f"row {index + 1} of the {name} split: the prompt is empty: fill or remove the row")
            if isinstance(system, str) and system.strip():
                prompt = with_system(prompt, system)
        else:
            if not isinstance(prompt, str) or not prompt.strip():
                what = "empty" if prompt is None or isinstance(prompt, str) else f"a {type(prompt).__name__}"
                raise DataError(f"row {index + 1} of the {name} split: the prompt is {what}: it must be text or a "
                                "conversation (fill or remove the row)")
            if isinstance(system, str) and system.strip():
                prompt = f"{system}\n\n{prompt}"
        return {"prompt": prompt}

    dataset = safe_map(dataset, row, f"the {name} split's prompts", with_indices=True,
                       remove_columns=["system"] if has_system else None)
    return dataset


def load_prompts(ctx: TaskContext):
    """(train, valid or None), prepared; the mapped columns renamed, the others kept."""
    train_raw, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    renames = mapped_columns(ctx.config, train_raw)
    if "prompt" not in renames.values():
        raise DataError("llm-grpo needs prompt_text_column (the prompts the model completes): map it to a column")
    train = prepare_prompts(train_raw, "train", renames)
    valid = prepare_prompts(valid_raw, "valid", renames) if valid_raw is not None else None
    return train, valid


# --------------------------------------------------------------------------- arguments and trainer


def grpo_arguments(p) -> dict[str, Any]:
    """GRPOConfig's own fields from the params (the ejected script writes the same)."""
    args: dict[str, Any] = dict(
        num_generations=p.num_generations, max_completion_length=p.max_completion_length,
        temperature=p.temperature, top_p=p.top_p, top_k=p.top_k, min_p=p.min_p,
        repetition_penalty=p.repetition_penalty, beta=p.beta, loss_type=p.loss_type,
        scale_rewards=p.scale_rewards, multi_objective_aggregation=p.multi_objective_aggregation,
        num_iterations=p.num_iterations, epsilon=p.epsilon, epsilon_high=p.epsilon_high,
        importance_sampling_level=p.importance_sampling_level,
        mask_truncated_completions=p.mask_truncated_completions, reward_weights=p.reward_weights,
        steps_per_generation=p.steps_per_generation, use_vllm=p.use_vllm, log_completions=False,
    )
    if p.use_vllm:
        args.update(vllm_mode=p.vllm_mode, vllm_gpu_memory_utilization=p.vllm_gpu_memory_utilization)
        if p.vllm_server_base_url:
            args["vllm_server_base_url"] = p.vllm_server_base_url
    return args


def check_device(p, device) -> None:
    """use_vllm needs a CUDA GPU and vllm: refused before anything loads otherwise."""
    if not p.use_vllm:
        return
    if device.device != "cuda":
        raise ConfigError(f"params.use_vllm: vLLM generates on a CUDA GPU and this machine has {device.describe()}: "
                          "set use_vllm: false (completions are then generated by transformers)")
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        raise ConfigError("params.use_vllm: the vllm package is not installed: pip install vllm (or set use_vllm: "
                          "false)")


def _trainer_class():
    import trl.trainer.grpo_trainer as grpo_module
    from trl import GRPOTrainer

    class _GRPOTrainer(GRPOTrainer):
        """GRPOTrainer with an explicit reference model and a few completions written to the run directory."""

        def __init__(self, *args, reference=None, samples_dir=None, **kwargs):
            self._samples_dir = samples_dir
            self._samples_step = -1
            if reference is None:
                super().__init__(*args, **kwargs)
                return
            # TRL builds the reference from model.config's path: hand it the frozen copy instead.
            original = grpo_module.create_model_from_path
            grpo_module.create_model_from_path = lambda *a, **kw: reference
            try:
                super().__init__(*args, **kwargs)
            finally:
                grpo_module.create_model_from_path = original
            if self.ref_model is None and self.beta != 0.0:
                self._adopt_reference(reference)

        def _adopt_reference(self, reference) -> None:
            """With PEFT, TRL's reference is the model with its adapter disabled: the starting model, unless the
            adapter's initialisation (pissa, olora, loftq) rewrote the base weights. The frozen copy of the
            starting model then serves instead, made ready as TRL readies its own reference."""
            if self.args.disable_dropout:
                grpo_module.disable_dropout_in_model(reference)
            grpo_module.add_fused_lm_head(reference, temperature=self.temperature,
                                          cast_lm_head_to_fp32=self.args.cast_lm_head_to_fp32)
            if self.is_deepspeed_enabled:
                reference = grpo_module.prepare_deepspeed(reference, self.accelerator)
            elif self.is_fsdp_enabled:
                reference = grpo_module.prepare_fsdp(reference, self.accelerator)
            else:
                reference = self.accelerator.prepare_model(reference, evaluation_mode=True)
            self.ref_model = reference

        def log(self, logs, start_time=None):
            if self._samples_dir is not None and self.model.training:
                try:
                    self._write_samples()
                except OSError:  # samples are a view: a write that fails never fails the run
                    pass
            super().log(logs, start_time)

        def _write_samples(self) -> None:
            step = self.state.global_step
            if step == self._samples_step or not self.accelerator.is_main_process:
                return
            self._samples_step = step
            append_samples(self._samples_dir, step, pick_samples(self._logs, self.reward_weights.tolist(), step))

    return _GRPOTrainer


def pick_samples(logs: dict, weights: list[float], step: int, count: int = SAMPLES_PER_LOG) -> list[dict]:
    """A few of the newest completions (a seeded draw that leaves the training's random state alone), each with
    its prompt, every reward function's value, the weighted total and the advantage."""
    prompts, completions = list(logs["prompt"]), list(logs["completion"])
    rewards = {name: list(values) for name, values in logs["rewards"].items()}
    advantages = list(logs["advantages"])
    n = len(completions)
    if not n:
        return []
    picked = sorted(random.Random(step).sample(range(n), min(count, n)))
    out = []
    for i in picked:
        values = {name: _finite(column[i]) if i < len(column) else None for name, column in rewards.items()}
        scored = [(w, v) for w, v in zip(weights, values.values()) if v is not None]
        out.append({"prompt": shorten(as_text(prompts[i])) if i < len(prompts) else "",
                    "completion": shorten(as_text(completions[i])),
                    "reward": sum(w * v for w, v in scored) if scored else None,
                    "rewards": values,
                    "advantage": _finite(advantages[i]) if i < len(advantages) else None})
    return out


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, 6) if math.isfinite(number) else None


def reference_model(model):
    """A frozen copy of the starting model: the reference when beta > 0 (see build)."""
    ref = copy.deepcopy(model)
    ref.eval()
    ref.requires_grad_(False)
    return ref


def build(ctx: TaskContext) -> TrainJob:
    from trl import GRPOConfig

    config, p = ctx.config, ctx.config.params
    check_device(p, ctx.device)
    train, valid = load_prompts(ctx)
    tokenizer, added = prepare_tokenizer(config)
    if isinstance(train[0]["prompt"], list):
        require_chat_template(tokenizer)
    rewards = resolve_all(p.reward_functions)
    for line in dry_call(rewards, train, tokenizer):
        ctx.log(f"reward dry call: {line}")
    model = load_causal_lm(config, ctx.device, tokenizer)
    # a frozen copy of the start: without PEFT (TRL would reload it from disk), and with an adapter whose
    # initialisation rewrites the base (disabling it then no longer gives the starting model)
    reference = reference_model(model) if p.beta > 0 and (not p.peft or changes_the_base(p)) else None

    # one epoch is every prompt num_generations times: that is what the steps are counted on
    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train) * p.num_generations)
    grpo_args = GRPOConfig(**args, **grpo_arguments(p))
    trainer = _trainer_class()(
        model=model,
        reward_funcs=rewards,
        args=grpo_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config, model=model, tokenizer=tokenizer, added=added,
                                head=False),  # GRPO reads the LM head's weight directly
        callbacks=list(ctx.callbacks),
        reference=reference,
        samples_dir=ctx.run_dir,
    )
    return llm_job(ctx, trainer, tokenizer, train, valid)
