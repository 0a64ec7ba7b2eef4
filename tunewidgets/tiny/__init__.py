"""Tiny models and demo data built locally, for tests, notebooks and the offline demo.

Nothing here reaches a hub: the tokenizers (byte-level BPE for Llama, WordPiece for BERT,
a sentencepiece-like BPE for T5) are trained with ``tokenizers`` on text generated below, the
models (Llama, BERT, T5, ViT, YOLOS, LLaVA- and PaliGemma-style VLMs) get random (seeded) weights, and the demo
data sets are generated from a few patterns simple enough that a model of well under a million parameters
visibly learns within a few dozen steps. The image demos use scikit-learn's bundled digits.

Heavy libraries (torch, transformers, tokenizers, pandas) are imported inside the
functions, so ``import tunewidgets.tiny`` stays cheap.
"""

from .cli import demo_cli
from .grpo_data import GRPO_DEMO_KINDS, make_grpo_demo
from .kto_data import KTO_DEMO_KINDS, make_kto_demo
from .llm_data import DEMO_KINDS, demo_config, make_demo, make_demo_dataset
from .models import (
    build_tiny_bert,
    build_tiny_llama,
    build_tiny_model,
    build_tiny_t5,
    build_tiny_vit,
    build_tiny_yolos,
    model_kinds,
)
from .task_data import (
    _POSITIVE,
    CONLL_TAGS,
    DETECTION_CATEGORIES,
    TASK_DEMO_KINDS,
    make_task_demo,
    task_demo_frame,
)
from .vlm import build_tiny_idefics3, build_tiny_paligemma, build_tiny_vlm
from .vlm_data import VLM_DEMO_KINDS, make_vlm_demo
from .vocab import (
    BOS_EOS_UNK,
    IM_END,
    IM_START,
    PAD,
    SPECIAL_TOKENS,
    build_t5_tokenizer,
    build_tokenizer,
    build_wordpiece_tokenizer,
)

__all__ = [
    "BOS_EOS_UNK", "CONLL_TAGS", "DEMO_KINDS", "DETECTION_CATEGORIES", "IM_END", "IM_START", "PAD", "SPECIAL_TOKENS",
    "TASK_DEMO_KINDS", "build_t5_tokenizer", "build_tiny_bert", "build_tiny_llama", "build_tiny_model",
    "build_tiny_t5", "build_tiny_vit", "build_tiny_yolos", "build_tokenizer", "build_wordpiece_tokenizer",
    "demo_cli", "demo_config", "make_demo", "make_demo_dataset", "make_task_demo", "model_kinds", "task_demo_frame",
    "_POSITIVE",
    "VLM_DEMO_KINDS", "build_tiny_idefics3", "build_tiny_paligemma", "build_tiny_vlm", "make_vlm_demo",
    "GRPO_DEMO_KINDS", "make_grpo_demo", "KTO_DEMO_KINDS", "make_kto_demo",
]
