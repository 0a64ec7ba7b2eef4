"""Greedy generation from a trained causal LM: what "Try the model" shows for the LLM tasks."""

from __future__ import annotations

from ..base import Prediction


def generate_text(model, tokenizer, prompt: str, max_new_tokens: int = 64, chat: bool = True) -> str:
    """Greedy generation (a chat turn when the tokenizer has a template and ``chat``)."""
    import torch

    if chat and getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)
        inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False)
    else:
        inputs = tokenizer(prompt, return_tensors="pt")
    device = next(model.parameters()).device
    inputs = {k: v.to(device) for k, v in inputs.items()}
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False,
                                    pad_token_id=tokenizer.pad_token_id)
    finally:
        if was_training:
            model.train()
    return tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)


def generate(model, tokenizer, prompt: str, max_new_tokens: int = 64, chat: bool = True) -> Prediction:
    return Prediction(generate_text(model, tokenizer, prompt, max_new_tokens, chat))
