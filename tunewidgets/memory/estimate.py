"""The memory a run's training step needs, from its config and the model's config.json: ``estimate(config)``.

What training keeps in memory on one device: the weights (by dtype and quantization), the gradients and the
optimizer states of what trains (all weights, or the LoRA adapters and the task head), and the activations of one
micro-batch at full sequence length (the worst case: shorter batches need less). The arithmetic is in
``formulas``; this module reads the run's choices the way the trainers apply them (``tasks.shared.llm_common``):
LoRA bases load in bf16/fp16 on a GPU, full training keeps fp32 weights, gradient checkpointing is on for LLMs on
a GPU unless disabled, the CPU trains in fp32.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..config.params_peft import MUTATING_INITS
from ..config.run_config import RunConfig
from ..config.tasks import get_task
from . import formulas
from .gpus import CUDA_OVERHEAD_GB, GPU, gpu_named
from .shape import ModelShape, build_shape, load_model_config

GB = 1e9
JSON_KEYS = ("params", "weights_gb", "trainable_params", "gradients_gb", "optimizer_gb", "activations_gb",
             "total_gb")
LM_CLASSES = ("AutoModelForCausalLM", "AutoModelForSeq2SeqLM", "AutoModelForImageTextToText",
              "AutoModelForVision2Seq")


@dataclass
class Estimate:
    """Bytes per part of training; ``to_json`` gives the documented keys in GB (1e9 bytes)."""

    params: int
    weights: float
    trainable_params: int
    gradients: float
    optimizer: float
    activations: float
    batch_size: int
    target: str  # "cpu" or the GPU's name the numbers assume
    notes: list[str] = field(default_factory=list)

    grads_with_activations: bool = True  # gradients live through the forward pass (accumulation over micro-batches)

    @property
    def total(self) -> float:
        """The step's peak. With one micro-batch per step the gradients are freed after each step
        (``zero_grad(set_to_none=True)``) and grow during the backward pass as the activations are freed: the
        larger of the two counts, not their sum. Accumulated gradients live beside the next micro-batch's
        activations: then both count."""
        if self.grads_with_activations:
            return self.weights + self.gradients + self.optimizer + self.activations
        return self.weights + self.optimizer + max(self.gradients, self.activations)

    def to_json(self) -> dict[str, Any]:
        values = [self.params, self.weights, self.trainable_params, self.gradients, self.optimizer,
                  self.activations, self.total]
        return {key: (value if key.endswith("params") else round(value / GB, 6))
                for key, value in zip(JSON_KEYS, values)}

    def fits(self, gpu: GPU) -> bool:
        """Whether a step fits ``gpu`` with the CUDA context and the allocator's margin."""
        return self.total / GB + CUDA_OVERHEAD_GB <= gpu.memory_gb

    def largest_batch(self, gpu: GPU) -> int:
        """The largest per-device batch size whose step fits ``gpu`` (activations grow with the batch)."""
        static = self.weights + self.gradients + self.optimizer
        per_example = self.activations / max(1, self.batch_size)
        return formulas.largest_batch((gpu.memory_gb - CUDA_OVERHEAD_GB) * GB - static, per_example)


def estimate(config: RunConfig, gpu: GPU | str | None = None, model_config=None) -> Estimate:
    """The estimate for ``config`` on ``gpu`` (a table name, a GPU, or None: the CPU, fp32 as it trains there).

    ``model_config``: a transformers config to use instead of reading ``config.base_model``'s config.json.
    """
    if isinstance(gpu, str):
        gpu = gpu_named(gpu)
    spec, p = get_task(config.task), config.params
    target = gpu.name if gpu else "cpu"
    footprint = spec.footprint
    if footprint is None:
        return Estimate(0, 0, 0, 0, 0, 0, getattr(p, "batch_size", 1), target,
                        [f"{spec.name} trains a {getattr(p, 'model', 'classical')} model on the CPU: no GPU memory "
                         "to estimate (its memory is the data's)"])
    model_config = model_config or load_model_config(config.base_model, config.hub_token)
    shape = build_shape(model_config, footprint.model_class, dict(footprint.head))
    choices = _Choices.of(config, gpu)
    notes = list(shape.notes) + choices.notes
    weights, trainable, trainable_shapes, adapter_linears = _weights(shape, choices, notes)
    # the adapter's initialisation rewrote the base (pissa, olora, loftq): disabling it is no longer the start
    rewritten = choices.peft and getattr(p, "lora_init", "default") in MUTATING_INITS
    if footprint.reference_model and (not choices.peft or rewritten) and getattr(p, "beta", 1.0) != 0:
        weights += _base_weight_bytes(shape, choices)  # GRPO: only with beta > 0
        why = f"lora_init {p.lora_init} rewrites the base" if rewritten else "without peft"
        notes.append(f"a frozen reference copy of the model (DPO, KTO, GRPO with beta > 0; {why}) counts in the "
                     "weights")
    gradients = sum(_numel(s) for s in trainable_shapes) * 4.0
    optimizer = sum(formulas.optimizer_bytes(choices.optimizer, s, 4.0) for s in trainable_shapes)
    activations = _activations(config, shape, footprint.model_class, footprint.sequences, choices,
                               adapter_linears, notes)
    weights, gradients, optimizer = _sharded(p, weights, gradients, optimizer, notes)
    accumulation = int(getattr(p, "gradient_accumulation", 1) or 1)
    return Estimate(shape.params, weights, trainable, gradients, optimizer, activations, choices.batch, target,
                    notes, grads_with_activations=accumulation > 1)


@dataclass
class _Choices:
    """How the run will train, as the trainers decide it on this target."""

    on_gpu: bool
    peft: bool
    quantization: str | None
    weight_dtype: str
    element: float  # bytes per activation value
    checkpointing: bool
    optimizer: str
    batch: int
    lora_r: int
    lora_dropout: bool
    targets: str | None
    notes: list[str]

    @classmethod
    def of(cls, config: RunConfig, gpu: GPU | None) -> _Choices:
        p = config.params
        peft = bool(getattr(p, "peft", False))
        half = "bf16" if gpu is not None and gpu.bf16 else "fp16"
        mixed = getattr(p, "mixed_precision", None)
        notes = []
        quantization = getattr(p, "quantization", None) if gpu is not None else None
        if getattr(p, "quantization", None) and gpu is None:
            notes.append("quantization needs a CUDA GPU: on the CPU the base stays in fp32")
        weight_dtype = half if gpu is not None and peft else "fp32"
        element = 2.0 if gpu is not None and (mixed or peft) else 4.0
        checkpointing = gpu is not None and hasattr(p, "disable_gradient_checkpointing") \
            and not p.disable_gradient_checkpointing
        return cls(on_gpu=gpu is not None, peft=peft, quantization=quantization, weight_dtype=weight_dtype,
                   element=element, checkpointing=checkpointing, optimizer=getattr(p, "optimizer", "adamw_torch"),
                   batch=int(getattr(p, "batch_size", 1)), lora_r=int(getattr(p, "lora_r", 16)),
                   lora_dropout=float(getattr(p, "lora_dropout", 0) or 0) > 0,
                   targets=getattr(p, "target_modules", "all-linear"), notes=notes)


def _numel(shape: tuple[int, ...]) -> int:
    total = 1
    for size in shape:
        total *= size
    return total


def _lora_targets(shape: ModelShape, targets: str | None):
    """The Linear layers LoRA wraps: PEFT's all-linear (every Linear but the output head) or the named ones."""
    if not targets or targets.strip() == "all-linear":
        return [lin for lin in shape.linears if not lin.output_head]
    names = {name.strip() for name in targets.split(",") if name.strip()}
    return [lin for lin in shape.linears if lin.name.rsplit(".", 1)[-1] in names and not lin.output_head]


def _base_weight_bytes(shape: ModelShape, c: _Choices) -> float:
    """The model's own weights: quantized Linear layers (but the heads), the rest in the load dtype."""
    dense = formulas.BYTES_PER_PARAM[c.weight_dtype]
    if not c.quantization:
        return shape.params * dense
    quantized = [lin for lin in shape.linears if not lin.output_head]
    q_params = sum(lin.in_features * lin.out_features for lin in quantized)
    scales = sum(lin.out_features * 4.0 for lin in quantized) if c.quantization == "int8" else 0.0
    return q_params * formulas.BYTES_PER_PARAM[c.quantization] + scales + (shape.params - q_params) * dense


def _weights(shape: ModelShape, c: _Choices, notes: list[str]):
    """(weight bytes, trainable parameters, their shapes, the LoRA-wrapped layers)."""
    base = _base_weight_bytes(shape, c)
    if not c.peft:
        return base, shape.params, shape.trainable_shapes, []
    adapted = _lora_targets(shape, c.targets)
    if not adapted:
        notes.append(f"no Linear layer matches target_modules '{c.targets}': PEFT will refuse it")
    adapter_shapes = [s for lin in adapted for s in ((c.lora_r, lin.in_features), (lin.out_features, c.lora_r))]
    adapter = sum(_numel(s) for s in adapter_shapes)
    trainable = adapter + shape.head_params
    head_shapes = [(shape.head_params,)] if shape.head_params else []
    # PEFT keeps adapter weights in fp32 (autocast_adapter_dtype) whatever the base's dtype; a head trains in fp32.
    return base + trainable * 4.0, trainable, adapter_shapes + head_shapes, adapted


def _sequence_lengths(config: RunConfig, shape: ModelShape, model_class: str) -> tuple[int, int | None, str]:
    """(positions per sequence, a decoder's target length or None, what they come from)."""
    p = config.params
    if hasattr(p, "max_length") and hasattr(p, "model_max_length"):  # the LLM tasks: block_size / model_max_length
        text = int(p.max_length)
        if shape.image_tokens and model_class not in ("AutoModelForCausalLM",):
            return text + shape.image_tokens, None, f"{text} text tokens + {shape.image_tokens} image positions"
        return text, None, f"{text} tokens"
    if hasattr(p, "max_target_length") and shape.decoder_layers:
        return int(p.max_seq_length), int(p.max_target_length), \
            f"{p.max_seq_length} source + {p.max_target_length} target tokens"
    if hasattr(p, "max_seq_length"):
        return int(p.max_seq_length), None, f"{p.max_seq_length} tokens"
    if shape.image_tokens:
        return shape.image_tokens, None, f"{shape.image_tokens} image patches"
    return 512, None, "512 positions (the model says no length)"


def _activations(config: RunConfig, shape: ModelShape, model_class: str, sequences: int, c: _Choices,
                 adapted, notes: list[str]) -> float:
    if shape.layer is None:
        return 0.0
    seq, target, what = _sequence_lengths(config, shape, model_class)
    tokens = c.batch * sequences * seq
    notes.append(f"activations for a batch of {c.batch} x {sequences} sequence(s) of {what} (full length)"
                 + (", gradient checkpointing on" if c.checkpointing else ""))
    layer, mask = shape.layer, 1.0
    if not c.on_gpu and layer.dropout:
        # The CPU's dropout keeps its noise in the input's dtype, and its SDPA falls back to the math kernel with
        # dropout, which keeps the s x s probabilities (CUDA's fused kernels keep neither).
        layer, mask = replace(layer, scores_stored=True), c.element
    total = formulas.stack_activation_bytes(layer, shape.layers, tokens, seq, c.element, c.checkpointing, mask=mask)
    # The backward pass's working set: the gradients of one layer's saved tensors exist beside them (measured on
    # BERT and Llama on this CPU: the peak is about one layer above the forward's activations).
    total += formulas.layer_activation_bytes(layer, tokens, seq, c.element, mask=mask)
    decoder_tokens = 0
    if target:
        decoder_tokens = c.batch * sequences * target
        total += formulas.stack_activation_bytes(layer, shape.decoder_layers, decoder_tokens, target,
                                                 c.element, c.checkpointing, cross_seq=seq, mask=mask)
    # LoRA keeps, per wrapped layer, the dropped-out input (+ its mask) and A's output for the backward pass.
    per_token = sum((c.element + 1) * lin.in_features * c.lora_dropout + c.element * c.lora_r for lin in adapted)
    lora_layers = 1 if c.checkpointing else max(1, shape.layers + shape.decoder_layers)
    total += per_token * (tokens + decoder_tokens) / max(1, shape.layers + shape.decoder_layers) * lora_layers
    total += 2 * c.element * shape.layer.hidden * (tokens + decoder_tokens)  # embeddings' output, final norm
    if model_class in LM_CLASSES and shape.vocab:
        if getattr(config.params, "use_liger_kernel", False) and c.on_gpu:
            notes.append("Liger's fused linear cross-entropy: the logits are never held whole")
        else:
            total += formulas.logits_bytes(decoder_tokens or tokens, shape.vocab, c.element)
    return total


def _sharded(p, weights: float, gradients: float, optimizer: float, notes: list[str]):
    """Per device under DeepSpeed ZeRO or FSDP: each process keeps its share of what the stage shards."""
    processes = int(getattr(p, "num_processes", 1) or 1) * int(getattr(p, "num_machines", 1) or 1)
    backend = getattr(p, "distributed_backend", None)
    if processes <= 1 or backend not in ("deepspeed", "fsdp"):
        return weights, gradients, optimizer
    stage = 3 if backend == "fsdp" and getattr(p, "fsdp_sharding_strategy", "FULL_SHARD") == "FULL_SHARD" \
        else getattr(p, "deepspeed_stage", 2) if backend == "deepspeed" else 2
    optimizer = 0.0 if getattr(p, "deepspeed_offload_optimizer", False) else optimizer / processes
    gradients = gradients / processes if stage >= 2 else gradients
    if stage >= 3:
        weights = 0.0 if getattr(p, "deepspeed_offload_params", False) else weights / processes
    notes.append(f"per device: {backend} stage {stage} over {processes} processes")
    return weights, gradients, optimizer
