"""A model's shape from its config.json alone: built on the meta device (no weights, no memory), then counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelError
from .formulas import LayerShape

# Heads a task adds on top of the backbone: trained in full even with LoRA (PEFT's modules_to_save).
HEAD_NAMES = ("score", "classifier", "qa_outputs", "class_labels_classifier", "bbox_predictor")
# Linear layers that are a gated MLP's gate (SwiGLU / GeGLU).
GATE_NAMES = ("gate_proj", "gate_up_proj", "wi_0", "w1", "gate")


@dataclass(frozen=True)
class Linear:
    name: str
    in_features: int
    out_features: int
    output_head: bool  # the LM head or a task head: never quantized, not a LoRA target under all-linear


@dataclass
class ModelShape:
    """Parameter counts and the dimensions the activation formulas read."""

    params: int
    linears: list[Linear]
    trainable_shapes: list[tuple[int, ...]]  # every parameter's shape (full training)
    head_params: int  # parameters of the task head (HEAD_NAMES)
    layer: LayerShape | None  # None: not a transformer we can count (a convolutional backbone)
    layers: int
    decoder_layers: int  # an encoder-decoder's decoder (0 otherwise)
    vocab: int
    image_tokens: int  # positions a vision encoder sees per image (0 for text models)
    notes: list[str] = field(default_factory=list)


def load_model_config(name: str, token: str | None = None):
    """``AutoConfig`` of a local folder or a Hub id; offline or unknown: a ModelError that says which."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(name, token=token)
    except OSError as exc:
        raise ModelError(
            f"cannot read the config.json of '{name}': not a local folder with a config.json, and the Hub did not "
            f"answer ({str(exc).splitlines()[0][:160]}). The estimate needs only that file: give a local path"
        ) from None
    except ValueError as exc:
        raise ModelError(f"'{name}' has a config.json transformers cannot read: {exc}") from None


def build_shape(model_config, model_class: str, head: dict[str, Any] | None = None) -> ModelShape:
    """Build ``transformers.<model_class>`` from ``model_config`` on the meta device and count it."""
    import torch
    import transformers

    cls = getattr(transformers, model_class)
    config = _with_head(model_config, head or {})
    try:
        with torch.device("meta"):
            model = cls.from_config(config)
    except (ValueError, KeyError) as exc:
        raise ModelError(f"a {model_config.model_type} config cannot build {model_class}: {exc}") from None
    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    linears, gate_seen = [], False
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            leaf = name.rsplit(".", 1)[-1]
            gate_seen = gate_seen or leaf in GATE_NAMES
            linears.append(Linear(name, module.in_features, module.out_features,
                                  module is output or leaf in HEAD_NAMES or name.split(".")[0] in HEAD_NAMES))
    params = list(model.parameters())  # shared (tied) weights appear once
    head_params = sum(p.numel() for name, p in model.named_parameters() if name.split(".")[0] in HEAD_NAMES)
    text = _text_config(config)
    notes: list[str] = []
    layer, layers, decoder_layers = _layer_shape(text, model, gate_seen, notes)
    return ModelShape(
        params=sum(p.numel() for p in params), linears=linears, trainable_shapes=[tuple(p.shape) for p in params],
        head_params=head_params, layer=layer, layers=layers, decoder_layers=decoder_layers,
        vocab=int(getattr(text, "vocab_size", 0) or 0), image_tokens=_image_tokens(config), notes=notes,
    )


def _with_head(config, head: dict[str, Any]):
    import copy

    config = copy.deepcopy(config)
    for key, value in head.items():
        setattr(config, key, value)
    return config


def _text_config(config):
    """The language part of a multimodal config (``text_config``), else the config itself."""
    sub = getattr(config, "text_config", None)
    return sub if sub is not None and getattr(sub, "hidden_size", None) else config


def _first(config, *names: str, default: Any = None) -> Any:
    for name in names:
        value = getattr(config, name, None)
        if value is not None:
            return value
    return default


def _layer_shape(config, model, gated: bool, notes: list[str]) -> tuple[LayerShape | None, int, int]:
    hidden = _first(config, "hidden_size", "d_model", "n_embd", "dim")
    layers = _first(config, "num_hidden_layers", "num_layers", "n_layer", "encoder_layers")
    heads = _first(config, "num_attention_heads", "num_heads", "n_head", "encoder_attention_heads")
    if isinstance(hidden, (list, tuple)) or not (hidden and layers and heads):
        notes.append(f"{config.model_type} is not a plain transformer stack: activations are not counted")
        return None, 0, 0
    intermediate = _first(config, "intermediate_size", "d_ff", "n_inner", "encoder_ffn_dim", "ffn_dim",
                          default=4 * hidden) or 4 * hidden
    head_dim = _first(config, "head_dim", "d_kv", default=hidden // heads) or hidden // heads
    kv_heads = _first(config, "num_key_value_heads", default=heads) or heads
    dropout = any(float(_first(config, name, default=0) or 0) > 0 for name in (
        "hidden_dropout_prob", "hidden_dropout", "resid_pdrop", "dropout_rate", "dropout", "attention_dropout",
        "attention_probs_dropout_prob"))
    attention = getattr(model.config, "_attn_implementation", None) or "eager"
    layer = LayerShape(hidden=hidden, intermediate=intermediate, heads=heads, kv_hidden=kv_heads * head_dim,
                       gated_mlp=gated, dropout=dropout, scores_stored=attention == "eager")
    decoder = int(_first(config, "num_decoder_layers", "decoder_layers", default=0) or 0) \
        if getattr(config, "is_encoder_decoder", False) else 0
    if decoder and not _first(config, "num_decoder_layers", "decoder_layers"):
        decoder = layers
    return layer, int(layers), decoder


def _image_tokens(config) -> int:
    """Patches a ViT-style encoder sees per image (+1 for the class token); 0 for a text model."""
    vision = getattr(config, "vision_config", None) or config
    size, patch = getattr(vision, "image_size", None), getattr(vision, "patch_size", None)
    if not size or not patch:
        return 0
    height, width = (size, size) if isinstance(size, int) else tuple(size)[:2]
    patch_h, patch_w = (patch, patch) if isinstance(patch, int) else tuple(patch)[:2]
    extra = int(getattr(vision, "num_detection_tokens", 0) or 0)
    return (height // patch_h) * (width // patch_w) + 1 + extra
