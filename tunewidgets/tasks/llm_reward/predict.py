"""Try a trained reward model: the reward of each answer (higher is preferred), best first."""

from __future__ import annotations

from ..base import Prediction
from ..shared.inference import on_device


def _as_text(tokenizer, block: str, chat: bool) -> str:
    """A block as the reward model read it in training: through the chat template when there is one."""
    if not (chat and getattr(tokenizer, "chat_template", None)):
        return block
    prompt, _, answer = block.partition("\n")
    messages = [{"role": "user", "content": prompt.strip()}, {"role": "assistant", "content": answer.strip()}]
    return tokenizer.apply_chat_template(messages, tokenize=False)


def score(model, tokenizer, text: str, chat: bool = True) -> Prediction:
    import torch

    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    rewards = []
    for block in blocks:
        inputs = on_device(model, tokenizer(_as_text(tokenizer, block, chat), return_tensors="pt", truncation=True))
        with torch.no_grad():
            rewards.append(float(model(**inputs).logits[0, 0]))
    ranked = sorted(zip(rewards, blocks), key=lambda item: -item[0])
    return Prediction("\n".join(f"{reward:+.3f}  {block.replace(chr(10), ' / ')}" for reward, block in ranked))
