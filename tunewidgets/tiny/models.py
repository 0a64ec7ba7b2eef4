"""Tiny models with random (seeded) weights, built from config: Llama, BERT, T5, ViT, YOLOS."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..progress_bars import transformers_bars_off
from .task_data import DETECTION_CATEGORIES
from .vlm import build_tiny_idefics3, build_tiny_paligemma, build_tiny_vlm
from .vocab import IM_END, build_t5_tokenizer, build_tokenizer, build_wordpiece_tokenizer


def build_tiny_llama(out_dir: str | Path, *, vocab_size: int = 512, hidden_size: int = 64,
                     layers: int = 2, heads: int = 4, kv_heads: int = 2,
                     intermediate_size: int = 128, max_position_embeddings: int = 512,
                     seed: int = 0, chat: bool = True) -> str:
    """Save a randomly initialised (seeded) ``LlamaForCausalLM`` and its tokenizer to ``out_dir``
    (``chat=False``: a base model whose tokenizer has no ChatML tokens and no template)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(out, vocab_size=vocab_size, chat=chat)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=hidden_size, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=kv_heads,
        intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id, tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    # Stop generation at the end of a ChatML turn as well as at end of text.
    model.generation_config.eos_token_id = [tok.eos_token_id, tok.convert_tokens_to_ids(IM_END)] if chat \
        else tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    with transformers_bars_off():
        model.save_pretrained(str(out))
    return str(out)


def build_tiny_bert(out_dir: str | Path, *, vocab_size: int = 1000, hidden_size: int = 64, layers: int = 2,
                    heads: int = 4, intermediate_size: int = 128, max_position_embeddings: int = 512,
                    seed: int = 0) -> str:
    """Save a random (seeded) BERT encoder (``BertModel``) and its WordPiece tokenizer to ``out_dir``.

    It loads as any head: sequence or token classification, and as a sentence-transformers model
    (mean pooling is added on load).
    """
    import torch
    from transformers import BertConfig, BertModel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_wordpiece_tokenizer(out, vocab_size=vocab_size)
    config = BertConfig(
        vocab_size=len(tok), hidden_size=hidden_size, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings,
        pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(seed)
    with transformers_bars_off():
        BertModel(config).save_pretrained(str(out))
    return str(out)


def build_tiny_t5(out_dir: str | Path, *, vocab_size: int = 1000, d_model: int = 64, layers: int = 2,
                  heads: int = 4, d_ff: int = 128, seed: int = 0) -> str:
    """Save a random (seeded) ``T5ForConditionalGeneration`` and its tokenizer to ``out_dir``."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_t5_tokenizer(out, vocab_size=vocab_size)
    config = T5Config(
        vocab_size=len(tok), d_model=d_model, d_kv=d_model // heads, d_ff=d_ff, num_layers=layers,
        num_decoder_layers=layers, num_heads=heads, feed_forward_proj="relu", pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    model.generation_config.decoder_start_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    with transformers_bars_off():
        model.save_pretrained(str(out))
    return str(out)


def build_tiny_vit(out_dir: str | Path, *, image_size: int = 32, patch_size: int = 8, hidden_size: int = 64,
                   layers: int = 2, heads: int = 4, intermediate_size: int = 128, seed: int = 0) -> str:
    """Save a random (seeded) ViT encoder (``ViTModel``) and its image processor to ``out_dir``."""
    import torch
    from transformers import ViTConfig, ViTImageProcessor, ViTModel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = ViTConfig(image_size=image_size, patch_size=patch_size, num_channels=3, hidden_size=hidden_size,
                       num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=intermediate_size)
    torch.manual_seed(seed)
    with transformers_bars_off():
        ViTModel(config, add_pooling_layer=False).save_pretrained(str(out))
    ViTImageProcessor(size={"height": image_size, "width": image_size}, image_mean=[0.5] * 3,
                      image_std=[0.5] * 3).save_pretrained(str(out))
    return str(out)


def build_tiny_yolos(out_dir: str | Path, *, image_size: int = 64, patch_size: int = 8, hidden_size: int = 64,
                     layers: int = 2, heads: int = 4, intermediate_size: int = 128, detection_tokens: int = 10,
                     labels: tuple[str, ...] = DETECTION_CATEGORIES, seed: int = 0) -> str:
    """Save a random (seeded) ``YolosForObjectDetection`` and its image processor to ``out_dir``.

    YOLOS is a plain ViT with detection tokens: no CNN backbone (nothing timm or pretrained to fetch).
    """
    import torch
    from transformers import YolosConfig, YolosForObjectDetection, YolosImageProcessor

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = YolosConfig(
        image_size=[image_size, image_size], patch_size=patch_size, hidden_size=hidden_size,
        num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=intermediate_size,
        num_detection_tokens=detection_tokens, id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    torch.manual_seed(seed)
    with transformers_bars_off():
        YolosForObjectDetection(config).save_pretrained(str(out))
    YolosImageProcessor(size={"shortest_edge": image_size, "longest_edge": image_size}).save_pretrained(str(out))
    return str(out)


# Builders by kind: builder(out_dir, **kw) -> str (the saved model directory).
_MODEL_BUILDERS: dict[str, Callable[..., str]] = {
    "llama": build_tiny_llama,
    "bert": build_tiny_bert,
    "t5": build_tiny_t5,
    "vit": build_tiny_vit,
    "yolos": build_tiny_yolos,
    "vlm": build_tiny_vlm,  # LLaVA-style, with a chat template (tiny/vlm.py)
    "paligemma": build_tiny_paligemma,  # PaliGemma-style: no chat template, prefix and suffix
    "idefics3": build_tiny_idefics3,  # SmolVLM-style: image tiles, a chat template
}


def model_kinds() -> list[str]:
    """The kinds ``build_tiny_model`` accepts."""
    return sorted(_MODEL_BUILDERS)


def build_tiny_model(kind: str, out_dir: str | Path, **kw: Any) -> str:
    """Build a tiny model of ``kind`` (see :func:`model_kinds`) into ``out_dir``."""
    try:
        builder = _MODEL_BUILDERS[kind]
    except KeyError:
        raise ValueError(f"unknown tiny model kind {kind!r}; choose one of {model_kinds()}") from None
    return builder(out_dir, **kw)
