"""The arithmetic of training memory, in bytes, with where each number comes from. No torch here.

Sources:
- Activations of a transformer layer: Korthikanti et al. 2022, "Reducing Activation Recomputation in Large
  Transformer Models" (arXiv:2205.05198), section 4.1: 34*s*b*h + 5*a*s^2*b bytes per layer in 16-bit for GPT.
  That count is rebuilt here term by term so that it also covers gated MLPs (Llama's SwiGLU), grouped-query
  attention, fp32 activations (CPU) and attention kernels that keep no s^2 matrix (SDPA/flash).
- 4-bit weights: Dettmers et al. 2023, "QLoRA" (arXiv:2305.14314), section 3: NF4 with double quantization costs
  4 + 0.127 bits per parameter (an 8-bit absmax per 64 weights, an fp32 one per 256 blocks).
- 8-bit weights: bitsandbytes' LLM.int8() Linear8bitLt keeps int8 weights and an fp32 scale per output row.
- Optimizer states: PyTorch's AdamW keeps exp_avg and exp_avg_sq in the parameter's dtype; bitsandbytes' 8-bit
  optimizers keep them in int8 with an fp32 absmax per 2048-value block (Dettmers et al. 2022, arXiv:2110.02861);
  Adafactor (transformers' defaults: no first moment) keeps a row and a column vector per matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

# Weights: bytes per parameter by how the weight is stored.
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "int4": (4 + 0.127) / 8}


def optimizer_bytes(optimizer: str, shape: tuple[int, ...], param_bytes: float) -> float:
    """The optimizer's state for one trainable tensor of ``shape`` whose values take ``param_bytes`` each."""
    numel = 1
    for size in shape:
        numel *= size
    name = optimizer.lower()
    if "8bit" in name:  # bitsandbytes blockwise: int8 states plus an fp32 absmax per 2048 values
        states = 1 if "lion" in name else 2
        return states * numel * (1 + 4 / 2048)
    if name.startswith(("adamw", "paged_adamw", "adam")):
        return 2 * numel * param_bytes
    if name in ("adagrad", "rmsprop") or "lion" in name:
        return numel * param_bytes
    if name == "adafactor":  # factored second moment: one value per row and per column of a matrix
        if len(shape) >= 2:
            return (shape[-2] + shape[-1]) * 4.0
        return numel * 4.0
    if name == "sgd":  # transformers' default SGD has no momentum buffer
        return 0.0
    return 2 * numel * param_bytes  # an unknown optimizer: as much as Adam, to stay on the safe side


@dataclass(frozen=True)
class LayerShape:
    """What the activation count of one transformer layer needs to know."""

    hidden: int
    intermediate: int
    heads: int
    kv_hidden: int  # num_key_value_heads * head_dim (grouped-query attention: less than hidden)
    gated_mlp: bool  # SwiGLU / GeGLU (gate and up projections)
    dropout: bool  # dropout masks (1 byte each) are stored when the model trains with dropout
    scores_stored: bool  # an eager attention keeps the s x s softmax; SDPA/flash kernels do not


def layer_activation_bytes(layer: LayerShape, tokens: int, seq: int, element: float,
                           cross_seq: int | None = None, mask: float = 1.0) -> float:
    """Bytes one layer keeps for the backward pass over ``tokens`` = batch * ``seq`` positions.

    Korthikanti et al.'s terms (in units of s*b, ``element`` bytes per value, a dropout mask ``mask`` bytes: 1 for
    CUDA's fused dropout, the element size for the CPU's, which keeps its noise tensor in the input's dtype):
    two norm inputs (2h), the QKV input (h), Q and K for the scores (h + kv), V (kv), the output projection's
    input (h), its dropout mask; the MLP input (h), then for a plain MLP fc1's output and the activation's output
    (2i) and a dropout mask, for a gated MLP the gate, up, activation and product (4i).
    For GPT (i = 4h, kv = h, 16-bit, dropout) this is their 34*s*b*h; scores add 5*a*s^2*b when stored.
    ``cross_seq``: a decoder layer's cross-attention over an encoder output of that length.
    """
    h, i, kv = layer.hidden, layer.intermediate, layer.kv_hidden
    attention = element * (2 * h + h + (h + kv) + kv + h)
    mlp = element * (h + (4 * i if layer.gated_mlp else 2 * i))
    masks = 2 * h * mask if layer.dropout else 0  # attention output and MLP output dropout
    per_token = attention + mlp + masks
    total = per_token * tokens
    batch = tokens / seq
    if layer.scores_stored:  # softmax output (+ its dropout mask and the dropped copy)
        per_score = element + (mask + element if layer.dropout else 0)
        total += per_score * layer.heads * seq * seq * batch
    if cross_seq is not None:  # norm + query input, the encoder's K and V, the output projection's input
        total += element * 3 * h * tokens + element * 2 * kv * cross_seq * batch
        if layer.scores_stored:
            total += element * layer.heads * seq * cross_seq * batch
    return total


def stack_activation_bytes(layer: LayerShape, layers: int, tokens: int, seq: int, element: float,
                           checkpointing: bool, cross_seq: int | None = None, mask: float = 1.0) -> float:
    """A stack of ``layers`` identical layers. With gradient checkpointing only each layer's input (h per token)
    is kept, and one layer's activations are rebuilt at a time during the backward pass (transformers' per-layer
    checkpointing, Chen et al. 2016's sqrt(n) scheme with one segment per layer)."""
    one = layer_activation_bytes(layer, tokens, seq, element, cross_seq, mask)
    if checkpointing:
        return layers * element * layer.hidden * tokens + one
    return layers * one


def logits_bytes(tokens: int, vocab: int, element: float) -> float:
    """The LM head's output over the vocabulary at its peak, the start of the backward pass: the logits (the model's
    output keeps them), the fp32 log-softmax the cross-entropy keeps (transformers upcasts 16-bit logits first),
    then the fp32 gradient of the loss's input and of the log-softmax's input. Often the largest tensor of an LLM
    step (what Liger's fused linear cross-entropy avoids)."""
    return tokens * vocab * (element + 4 + 4 + 4)


def largest_batch(free_bytes: float, per_example_bytes: float, limit: int = 4096) -> int:
    """How many examples' activations fit in ``free_bytes`` (0 when not even one)."""
    if per_example_bytes <= 0:
        return limit
    return max(0, min(limit, int(free_bytes // per_example_bytes)))
