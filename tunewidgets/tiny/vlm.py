"""Tiny vision-language models with random (seeded) weights and real processors, built locally.

``vlm`` is LLaVA-style: a CLIP vision tower, a projector and a Llama, with a ``LlavaProcessor`` made of the
project's BPE tokenizer (plus an ``<image>`` token), a CLIP image processor and a ChatML chat template that
reads content lists ({"type": "image"} / {"type": "text"}), as the Hub's instruct VLMs (SmolVLM, Qwen2.5-VL,
LLaVA) have. ``idefics3`` is SmolVLM-style (Idefics3: the image split into tiles, each with its row and column
tokens, pixel shuffle), with the same template. ``paligemma`` is PaliGemma-style: a SigLIP tower and a Gemma
with ``PaliGemmaProcessor`` and no chat template, PaliGemma's prefix/suffix convention. All load with
``AutoModelForImageTextToText`` and ``AutoProcessor``, so the tests and the offline demo take the path a Hub
id takes.
"""

from __future__ import annotations

from pathlib import Path

from .vocab import BOS_EOS_UNK, IM_END, build_tokenizer

IMAGE_TOKEN = "<image>"
# ChatML over content lists: an image part becomes the processor's image token, a text part its text.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['content'] is string -%}{{ message['content'] }}"
    "{%- else -%}{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' -%}{{ '" + IMAGE_TOKEN + "' }}"
    "{%- elif part['type'] == 'text' -%}{{ part['text'] }}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)


def _tokenizer(chat: bool):
    from .facts import _corpus
    from .vlm_data import vlm_corpus

    tokenizer = build_tokenizer(vocab_size=512, texts=[*_corpus(), *vlm_corpus()], chat=chat)
    tokenizer.chat_template = CHAT_TEMPLATE if chat else None
    return tokenizer


def _image_processor(name: str, image_size: int, **kwargs):
    """transformers' PIL image processor of ``name`` (no torchvision needed), or the plain one."""
    import transformers

    cls = getattr(transformers, f"{name}Pil", None) or getattr(transformers, name)
    return cls(image_mean=[0.5] * 3, image_std=[0.5] * 3, **kwargs)


def build_tiny_vlm(out_dir: str | Path, *, image_size: int = 32, patch_size: int = 8, vision_hidden: int = 32,
                   hidden_size: int = 64, layers: int = 2, heads: int = 4, kv_heads: int = 2,
                   intermediate_size: int = 128, seed: int = 0) -> str:
    """Save a random (seeded) LLaVA-style ``LlavaForConditionalGeneration`` and its processor to ``out_dir``:
    (image_size / patch_size)^2 image tokens per image (16 by default), a chat template."""
    import torch
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor

    from ..progress_bars import transformers_bars_off

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(chat=True)
    tokenizer.add_special_tokens({"extra_special_tokens": [IMAGE_TOKEN]}, replace_extra_special_tokens=False)
    images = _image_processor("CLIPImageProcessor", image_size, size={"shortest_edge": image_size},
                              crop_size={"height": image_size, "width": image_size})
    processor = LlavaProcessor(image_processor=images, tokenizer=tokenizer, patch_size=patch_size,
                               vision_feature_select_strategy="default", chat_template=CHAT_TEMPLATE,
                               image_token=IMAGE_TOKEN, num_additional_image_tokens=1)  # CLIP's CLS, dropped
    vision = CLIPVisionConfig(image_size=image_size, patch_size=patch_size, hidden_size=vision_hidden,
                              intermediate_size=vision_hidden * 2, num_hidden_layers=1, num_attention_heads=2,
                              projection_dim=vision_hidden)
    text = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=layers,
                       num_attention_heads=heads, num_key_value_heads=kv_heads, intermediate_size=intermediate_size,
                       max_position_embeddings=512, bos_token_id=tokenizer.bos_token_id,
                       eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                       tie_word_embeddings=False)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_id=processor.image_token_id,
                         vision_feature_select_strategy="default", vision_feature_layer=-1,
                         image_seq_length=(image_size // patch_size) ** 2, tie_word_embeddings=False)
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config)
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(IM_END)]
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    with transformers_bars_off():
        model.save_pretrained(str(out))
    processor.save_pretrained(str(out))
    return str(out)


def build_tiny_idefics3(out_dir: str | Path, *, image_size: int = 32, patch_size: int = 8, vision_hidden: int = 32,
                        hidden_size: int = 64, layers: int = 2, heads: int = 4, kv_heads: int = 2,
                        intermediate_size: int = 128, seed: int = 0) -> str:
    """Save a random (seeded) SmolVLM-style ``Idefics3ForConditionalGeneration`` and its processor to ``out_dir``:
    images up to twice ``image_size`` are split into tiles of ``image_size`` plus a global view."""
    import torch
    from transformers import (
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3Processor,
        Idefics3VisionConfig,
        LlamaConfig,
    )

    from ..progress_bars import transformers_bars_off

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(chat=True)
    tiles = [f"<row_{row}_col_{col}>" for row in range(1, 7) for col in range(1, 7)]
    tokenizer.add_special_tokens({"extra_special_tokens": ["<fake_token_around_image>", IMAGE_TOKEN,
                                                           "<end_of_utterance>", "<global-img>", *tiles]},
                                 replace_extra_special_tokens=False)
    scale = 2  # pixel shuffle: a tile's (image_size / patch_size)^2 patches become a quarter as many tokens
    images = _image_processor("Idefics3ImageProcessor", image_size, size={"longest_edge": 2 * image_size},
                              max_image_size={"longest_edge": image_size}, do_image_splitting=True)
    processor = Idefics3Processor(image_processor=images, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE,
                                  image_seq_len=(image_size // patch_size) ** 2 // scale**2)
    vision = Idefics3VisionConfig(image_size=image_size, patch_size=patch_size, hidden_size=vision_hidden,
                                  intermediate_size=vision_hidden * 2, num_hidden_layers=1, num_attention_heads=2)
    text = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=layers,
                       num_attention_heads=heads, num_key_value_heads=kv_heads, intermediate_size=intermediate_size,
                       max_position_embeddings=1024, bos_token_id=tokenizer.bos_token_id,
                       eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    config = Idefics3Config(vision_config=vision, text_config=text, scale_factor=scale,
                            image_token_id=processor.image_token_id, tie_word_embeddings=False)
    torch.manual_seed(seed)
    model = Idefics3ForConditionalGeneration(config)
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(IM_END)]
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    with transformers_bars_off():
        model.save_pretrained(str(out))
    processor.save_pretrained(str(out))
    return str(out)


def build_tiny_paligemma(out_dir: str | Path, *, image_size: int = 32, patch_size: int = 8, vision_hidden: int = 32,
                         hidden_size: int = 64, layers: int = 2, heads: int = 4, kv_heads: int = 2,
                         intermediate_size: int = 128, seed: int = 0) -> str:
    """Save a random (seeded) PaliGemma-style ``PaliGemmaForConditionalGeneration`` and its processor (no chat
    template: the prefix, then the suffix) to ``out_dir``."""
    import torch
    from transformers import (
        GemmaConfig,
        PaliGemmaConfig,
        PaliGemmaForConditionalGeneration,
        PaliGemmaProcessor,
        SiglipVisionConfig,
    )

    from ..progress_bars import transformers_bars_off

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(chat=False)
    images = _image_processor("SiglipImageProcessor", image_size, size={"height": image_size, "width": image_size})
    images.image_seq_length = (image_size // patch_size) ** 2
    processor = PaliGemmaProcessor(image_processor=images, tokenizer=tokenizer)  # adds <image> and loc/seg tokens
    vision = SiglipVisionConfig(image_size=image_size, patch_size=patch_size, hidden_size=vision_hidden,
                                intermediate_size=vision_hidden * 2, num_hidden_layers=1, num_attention_heads=2)
    text = GemmaConfig(vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=layers,
                       num_attention_heads=heads, num_key_value_heads=kv_heads, head_dim=hidden_size // heads,
                       intermediate_size=intermediate_size, max_position_embeddings=512,
                       bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                       pad_token_id=tokenizer.pad_token_id)
    config = PaliGemmaConfig(vision_config=vision, text_config=text, image_token_id=processor.image_token_id,
                             projection_dim=hidden_size)
    torch.manual_seed(seed)
    model = PaliGemmaForConditionalGeneration(config)
    model.generation_config.eos_token_id = tokenizer.convert_tokens_to_ids(BOS_EOS_UNK)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    with transformers_bars_off():
        model.save_pretrained(str(out))
    processor.save_pretrained(str(out))
    return str(out)
