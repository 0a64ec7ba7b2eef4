"""Try a trained detector on one image: the boxes it finds (as text, and as COCO objects to draw)."""

from __future__ import annotations

from ..base import Prediction
from ..shared.inference import on_device

THRESHOLD = 0.5


def predict(model, processor, image, threshold: float = THRESHOLD) -> Prediction:
    import torch

    image = image.convert("RGB")
    inputs = on_device(model, processor(images=image, return_tensors="pt"))
    with torch.no_grad():
        outputs = model(**inputs)
    found = processor.post_process_object_detection(outputs, threshold=threshold,
                                                    target_sizes=[(image.height, image.width)])[0]
    boxes, lines, categories = [], [], []
    for score, label, (x0, y0, x1, y1) in zip(found["scores"].tolist(), found["labels"].tolist(),
                                              found["boxes"].tolist()):
        boxes.append([x0, y0, x1 - x0, y1 - y0])
        categories.append(label)
        lines.append(f"{model.config.id2label.get(label, label)}: {score:.3f} "
                     f"at ({x0:.0f}, {y0:.0f}, {x1:.0f}, {y1:.0f})")
    text = "\n".join(lines[:20]) or f"no object scored {threshold} or more"
    return Prediction(text, {"bbox": boxes, "category": categories})
