"""Pieces the five LLM tasks share: data, tokenizer, model loading, LoRA, trainer arguments, saving."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...config.run_config import RunConfig
from ...device import DeviceInfo
from ...errors import DataError, ModelError, summary
from ..base import TaskContext, TrainJob
from .arguments import fit_to_machine, training_arguments
from .pretrained import from_pretrained, load_tokenizer

# TRL 1.16 still reads model.is_gradient_checkpointing, which transformers 5 deprecates: a warning per run that
# the user can do nothing about (and that would land under the notebook cell) - not ours to show.
warnings.filterwarnings("ignore", message=r"`is_gradient_checkpointing` is deprecated", category=FutureWarning)

ADAPTER_DIR = "adapter"  # with merge_adapter the merged model is the run's model; the adapter stays here


# --------------------------------------------------------------------------- data


def normalise_conversations(dataset, column: str):
    """Parse JSON-string conversations and check roles, keeping lists of {role, content}."""
    from ...data.chat import parse_messages

    def _parse(row, index):
        try:
            return {column: parse_messages(row[column])}
        except DataError as exc:
            raise DataError(f"row {index + 1}, column '{column}': {exc}") from None

    return safe_map(dataset, _parse, f"column '{column}': could not read the conversations", with_indices=True)


def safe_map(dataset, fn, what: str, **kwargs):
    """``dataset.map`` that lets a DataError raised inside ``fn`` out as itself (datasets wraps it)."""
    if type(dataset).__name__ != "IterableDataset":  # a stream's map is lazy and takes no description
        kwargs.setdefault("desc", None)
    try:
        return dataset.map(fn, **kwargs)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - datasets wraps what fn raises: unwrapped or reported as a DataError
        cause = exc.__cause__ or exc
        if isinstance(cause, DataError):
            raise cause from None
        raise DataError(f"{what}: {summary(exc)}") from None


def is_conversational_column(dataset, column: str) -> bool:
    from ...data.chat import is_conversational

    return len(dataset) > 0 and is_conversational(dataset[0][column])


def require_chat_template(tokenizer) -> None:
    if not getattr(tokenizer, "chat_template", None):
        raise DataError(
            "the data is conversational but the tokenizer has no chat template: set data.chat_template "
            "(chatml, zephyr or a jinja file)"
        )


# --------------------------------------------------------------------------- tokenizer and model


def prepare_tokenizer(config: RunConfig):
    """The base model's tokenizer with a pad token, padding side and the chosen chat template.

    Returns ``(tokenizer, added)``: ``added`` lists the template's special tokens that were new to the vocabulary."""
    from ...data.chat import apply_chat_template_to_tokenizer

    tokenizer = load_tokenizer(config.base_model, config.hub_token)
    p = config.params
    if p.padding:
        tokenizer.padding_side = p.padding
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    added: list[str] = []
    if config.data.chat_template:
        added = apply_chat_template_to_tokenizer(tokenizer, config.data.chat_template)
    return tokenizer, added


def model_dtype(config: RunConfig, device: DeviceInfo):
    """Weights in the compute dtype for LoRA on a GPU (the base is frozen), else fp32 (full training, CPU)."""
    import torch

    if device.device == "cuda" and config.params.peft:
        return torch.bfloat16 if device.bf16 else torch.float16 if device.fp16 else torch.float32
    return torch.float32


def load_causal_lm(config: RunConfig, device: DeviceInfo, tokenizer, source: str | None = None,
                   head: str = "causal"):
    """The base model (or ``source``), on the right dtype, with embeddings grown for new template tokens.

    ``head="reward"`` loads a sequence-classification model with one output (a reward model).
    Embeddings grow whenever the tokenizer outgrew them.
    """
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    p = config.params
    kwargs: dict[str, Any] = {"dtype": model_dtype(config, device)}
    if p.quantization:
        kwargs["quantization_config"] = quantization_config(p.quantization, device)
    if p.use_flash_attention_2:
        if device.device != "cuda":
            raise ModelError("use_flash_attention_2 needs a CUDA GPU: set it to false on this machine")
        kwargs["attn_implementation"] = "flash_attention_2"
    cls, what = AutoModelForCausalLM, "a causal LM"
    if head == "reward":
        cls, kwargs["num_labels"], what = (AutoModelForSequenceClassification, 1,
                                           "a reward model (sequence classification)")
    with _quiet_new_head(head):
        model = from_pretrained(cls.from_pretrained, source or config.base_model, what, token=config.hub_token,
                                **kwargs)
    if len(tokenizer) > model.get_input_embeddings().num_embeddings:  # never shrink a padded vocabulary
        model.resize_token_embeddings(len(tokenizer))
    if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model


def _quiet_new_head(head: str):
    """A reward model starts with a new score head and no LM head: that load report is expected, not news."""
    import contextlib

    if head != "reward":
        return contextlib.nullcontext()
    try:
        from trl.trainer.reward_trainer import suppress_seqcls_warning
    except ImportError:  # pragma: no cover - older or newer TRL
        return contextlib.nullcontext()
    return suppress_seqcls_warning()


def quantization_config(kind: str, device: DeviceInfo):
    """bitsandbytes config for QLoRA; the compute dtype follows mixed_precision."""
    if device.device != "cuda":
        raise ModelError(
            f"quantization {kind} (QLoRA) needs a CUDA GPU and this machine has none: "
            "set params.quantization: null (LoRA still works with peft: true)"
        )
    import torch
    from transformers import BitsAndBytesConfig

    from ...errors import require

    require("bitsandbytes", "qlora", "QLoRA")
    compute = torch.bfloat16 if device.bf16 else torch.float16 if device.fp16 else torch.float32
    if kind == "int4":
        return BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute, bnb_4bit_use_double_quant=True
        )
    return BitsAndBytesConfig(load_in_8bit=True)


def lora_config(config: RunConfig, task_type: str = "CAUSAL_LM", model=None, tokenizer=None,
                added: list[str] | None = None, head: bool = True):
    """A PEFT LoraConfig from the params, or None without peft.

    Tokens a chat template added (chatml's <|im_start|>, <|im_end|> on a base model) start as untrained rows:
    with LoRA alone the model could never learn to read or to end a turn with them. Their rows of the input
    embedding (and of an untied LM head) are trained too, through PEFT's trainable tokens; every other row
    stays frozen, and merging writes them into the saved model. ``head=False`` leaves the LM head alone:
    TRL's fused LM head (SFT on CUDA) reads the head's weight directly and cannot go through PEFT's wrapper."""
    p = config.params
    if not p.peft:
        return None
    from peft import LoraConfig

    from .peft_variants import lora_kwargs

    targets: Any = p.target_modules or "all-linear"
    if targets != "all-linear":
        targets = [t.strip() for t in str(targets).split(",") if t.strip()]
    return LoraConfig(
        r=p.lora_r, lora_alpha=p.lora_alpha, lora_dropout=p.lora_dropout, target_modules=targets,
        bias="none", task_type=task_type, trainable_token_indices=new_token_rows(model, tokenizer, added, head),
        **lora_kwargs(p),
    )


def new_token_rows(model, tokenizer, added: list[str] | None, head: bool = True) -> dict[str, list[int]] | None:
    """``{embedding module name: ids}`` (and the LM head's when it is not tied and ``head``) for the added tokens."""
    if not added or model is None or tokenizer is None:
        return None
    ids = sorted(set(tokenizer.convert_tokens_to_ids(list(added))))
    names = {id(module): name.rsplit(".", 1)[-1] for name, module in model.named_modules() if name}
    embeddings = model.get_input_embeddings()
    rows = {names[id(embeddings)]: ids}
    output = model.get_output_embeddings() if head and hasattr(model, "get_output_embeddings") else None
    if output is not None and id(output) in names and output.weight is not embeddings.weight:
        rows[names[id(output)]] = ids
    return rows


def resolve_max_length(config: RunConfig, model, log=None) -> int:
    """block_size (or model_max_length), capped at the positions the model has (GPT-2 has 1024)."""
    wanted = config.params.max_length
    limit = getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)
    if isinstance(limit, int) and 0 < limit < wanted:
        if log:
            log(f"block_size {wanted} is longer than the model's {limit} positions: using {limit}")
        return limit
    return wanted


def resolve_packing(config: RunConfig, device: DeviceInfo) -> bool:
    """packing: null means off on CPU and MPS, on on CUDA.

    Measured on CPU (tiny Llamas of 0.14M and 3.2M parameters, 1 thread): TRL's packing (bfd, which keeps
    examples apart) trained 0.67-0.87x as many tokens per second as plain padding. "wrapped" was faster
    but lets examples attend across their boundaries and cuts them, so it is not used for SFT.
    """
    packing = config.params.packing
    return device.device == "cuda" if packing is None else bool(packing)


def llm_arguments(ctx: TaskContext, *, has_eval: bool, num_examples: int) -> dict[str, Any]:
    """training_arguments plus activation checkpointing from the params, off on CPU where it only costs time
    (TRL's configs default it on; transformers 5 renamed gradient_checkpointing to activation_checkpointing)."""
    p = ctx.config.params
    args = training_arguments(ctx.config, ctx.device, ctx.run_dir, has_eval=has_eval, num_examples=num_examples,
                              quiet=ctx.quiet)
    args["activation_checkpointing"] = not p.disable_gradient_checkpointing and ctx.device.device == "cuda"
    if getattr(p, "use_liger_kernel", False):
        if ctx.device.device != "cuda":
            raise ModelError("use_liger_kernel needs a CUDA GPU (Liger's kernels are Triton kernels): set it to false "
                             "on this machine")
        from ...errors import require

        require("liger_kernel", "liger", "Liger kernels")
        args["use_liger_kernel"] = True
    fit_to_machine(args, p, ctx.device, ctx.log)
    return args


# --------------------------------------------------------------------------- saving


def llm_job(ctx: TaskContext, trainer, tokenizer, train, valid, head: str = "causal",
            notes: list[str] | None = None, prompts=None) -> TrainJob:
    """The TrainJob every LLM task returns: its trainer's model, and saving through :func:`save_llm`.

    With ``params.eval_generate`` the model answers validation prompts at each evaluation: taken from
    ``prompts`` (the validation split before tokenization) or else from ``valid``."""
    if head == "causal":
        from .generation_callback import add_generations

        add_generations(ctx, trainer, tokenizer, valid if prompts is None else prompts, "causal")
    return TrainJob(
        trainer=trainer,
        model=trainer.model,
        tokenizer=tokenizer,
        save=lambda run_dir: save_llm(trainer, tokenizer, ctx.config, run_dir, ctx.device, head=head),
        num_train_examples=_rows(train),
        num_valid_examples=_rows(valid),
        notes=list(notes or []),
    )


def _rows(dataset) -> int:
    """Rows of a split (0 for none, or for a stream, whose length is unknown)."""
    return len(dataset) if dataset is not None and hasattr(dataset, "__len__") else 0


def save_llm(trainer, tokenizer, config: RunConfig, run_dir: Path, device: DeviceInfo | None = None,
             head: str = "causal") -> None:
    """The final model (or adapter) and tokenizer into the run directory.

    With ``merge_adapter`` the merged model is the run's model, as AutoTrain writes it, so
    ``from_pretrained(run_dir)`` loads it; the adapter is kept in ``run_dir/adapter``. A merge
    that fails fails the run.
    """
    run_dir = Path(run_dir)
    p = config.params
    main = trainer.args.should_save  # one writer under accelerate launch
    merge = getattr(p, "peft", False) and getattr(p, "merge_adapter", False)
    target = run_dir / ADAPTER_DIR if merge else run_dir
    trainer.save_model(str(target))
    if main:
        tokenizer.save_pretrained(str(target))
    if merge and main:
        merge_adapter(config, target, run_dir, tokenizer, device, head=head)


def merge_adapter(config: RunConfig, adapter_dir: Path, out_dir: Path, tokenizer, device: DeviceInfo | None = None,
                  head: str = "causal") -> None:
    """Load the base unquantized, apply the saved adapter, merge and save into ``out_dir``.

    Merging into a fresh base (not the trained, maybe 4-bit, model) keeps full precision
    and leaves the trained model in memory untouched. Any failure raises ModelError.
    """
    plain = config.model_copy(update={"params": config.params.model_copy(update={"quantization": None,
                                                                                 "use_flash_attention_2": False})})
    device = device or DeviceInfo(device="cpu")
    merge_into(lambda: load_causal_lm(plain, device, tokenizer, head=head), adapter_dir, out_dir, tokenizer)


def merge_into(load_base, adapter_dir: Path, out_dir: Path, processor=None) -> None:
    """Apply the adapter saved in ``adapter_dir`` to a fresh base (``load_base()``), merge, and save the
    merged model (and ``processor``) into ``out_dir``; any failure is a ModelError that says where the
    adapter is. Every task that merges adapters merges here."""
    from peft import PeftModel

    try:
        with _outside_zero3():
            merged = PeftModel.from_pretrained(load_base(), str(adapter_dir)).merge_and_unload()
        merged.save_pretrained(str(out_dir))
        if processor is not None:
            processor.save_pretrained(str(out_dir))
    except Exception as exc:
        raise ModelError(f"merging the adapter failed ({summary(exc)}); the adapter is saved in {adapter_dir}") \
            from exc


@contextmanager
def _outside_zero3():
    """Load a whole model on this rank alone. Under DeepSpeed ZeRO-3 the Trainer sets, process-wide, that models
    load partitioned across the ranks: rank 0 merging alone would wait for ranks that are not loading anything."""
    try:
        from transformers.integrations import deepspeed as hf_deepspeed
    except ImportError:  # pragma: no cover
        yield
        return
    saved = hf_deepspeed._hf_deepspeed_config_weak_ref
    hf_deepspeed.unset_hf_deepspeed_config()
    try:
        yield
    finally:
        hf_deepspeed._hf_deepspeed_config_weak_ref = saved
