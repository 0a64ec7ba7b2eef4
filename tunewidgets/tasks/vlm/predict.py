"""Try a trained vision-language model: an image and a question (or a caption prompt) in, the answer out.

The prompt is laid out exactly as training laid it out (data.user_prompt, then the chat template, or the
processor's prefix layout), so the model answers in the form it learned.
"""

from __future__ import annotations

from ..base import Prediction
from .collate import has_chat_template, prompt_text
from .data import user_prompt


def prompt_inputs(processor, image, question: str, captioning: bool = False) -> dict:
    """The model inputs of one image and question, as training renders a row's prompt."""
    chat = has_chat_template(processor)
    text = user_prompt(question, captioning, chat)
    if chat:
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
        rendered = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = processor(images=[[image]], text=[rendered], add_special_tokens=False, return_tensors="pt")
    else:
        inputs = processor(images=[[image]], text=[prompt_text(processor, text)], return_tensors="pt")
    inputs = dict(inputs)
    inputs.pop("labels", None)  # a processor that marks a suffix (PaliGemma) labels the prompt too
    return inputs


def answer(model, processor, image, question: str = "", captioning: bool = False, max_new_tokens: int = 32) -> str:
    """Greedy generation: the answer (or caption) the model gives for ``image``."""
    import torch

    from ..shared.inference import on_device

    was_training = model.training
    inputs = on_device(model, prompt_inputs(processor, image.convert("RGB"), question, captioning))
    dtype = next(model.parameters()).dtype
    if "pixel_values" in inputs and inputs["pixel_values"].is_floating_point():
        inputs["pixel_values"] = inputs["pixel_values"].to(dtype)
    tokenizer = processor.tokenizer
    try:
        with torch.no_grad():
            output = model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False,
                                    pad_token_id=tokenizer.pad_token_id)
    finally:
        if was_training:
            model.train()
    return tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()


def predict(model, processor, image, prompt: str = "", captioning: bool = False,
            max_new_tokens: int = 32) -> Prediction:
    return Prediction(answer(model, processor, image, prompt, captioning, max_new_tokens))
