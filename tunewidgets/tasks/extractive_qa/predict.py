"""Try a trained question-answering model: the answer's span in the context, with its probability.

The context is read in the windows training used and the answer picked as the evaluation picks it (the
settings saved in the model's config.json as ``qa_postprocess``); the score is the pipeline's: the
probability of the start times that of the end, over the context's tokens (and the null answer's).
"""

from __future__ import annotations

from ...errors import DataError
from ..base import Prediction
from ..shared.inference import on_device
from .features import check_questions, qa_features
from .postprocess import best_span

_DEFAULTS = {"max_seq_length": 384, "max_doc_stride": 128, "n_best_size": 20, "max_answer_length": 30,
             "null_answers": False}


def predict(model, tokenizer, text: str, query: str = "") -> Prediction:
    import torch

    question, context = (query or "").strip(), text
    if not question:
        raise DataError("type a question about the text")
    settings = {**_DEFAULTS, **(getattr(model.config, "qa_postprocess", None) or {})}
    length, stride = settings["max_seq_length"], settings["max_doc_stride"]
    check_questions(tokenizer, [question], length, stride, None)
    rows = {"question": [question], "context": [context], "answers": [{"text": [], "answer_start": []}]}
    windows = qa_features(rows, [0], tokenizer, length, stride, windows=True)
    inputs = tokenizer.pad({key: windows[key] for key in ("input_ids", "attention_mask", "token_type_ids")
                            if key in windows}, return_tensors="pt")
    with torch.no_grad():
        out = model(**on_device(model, dict(inputs)))
    best, null = None, None  # chosen by summed logits, as the evaluation chooses; shown as a probability
    for row, (offsets, cls) in enumerate(zip(windows["offset_mapping"], windows["cls_index"])):
        start_logits, end_logits = out.start_logits[row].float().cpu(), out.end_logits[row].float().cpu()
        allowed = torch.tensor([o is not None or i == cls for i, o in enumerate(offsets)]
                               + [False] * (len(start_logits) - len(offsets)))
        start_probs = torch.softmax(start_logits.masked_fill(~allowed, -1e9), -1)
        end_probs = torch.softmax(end_logits.masked_fill(~allowed, -1e9), -1)
        null_logit = float(start_logits[cls] + end_logits[cls])
        if null is None or null_logit < null[0]:
            null = (null_logit, float(start_probs[cls] * end_probs[cls]))
        span = best_span(start_logits.numpy(), end_logits.numpy(), offsets, settings["n_best_size"],
                         settings["max_answer_length"])
        if span is not None and (best is None or span[0] > best[0]):
            best = (span[0], float(start_probs[span[1]] * end_probs[span[2]]), offsets[span[1]][0],
                    offsets[span[2]][1])
    if best is None or (settings["null_answers"] and null[0] > best[0]):
        return Prediction(f"(no answer in the text)  ({null[1]:.3f})", context=context)
    _, probability, start, end = best
    return Prediction(f"{context[start:end]}  ({probability:.3f})", context=context, span=(start, end))
