"""Evaluation metrics of the non-LLM tasks, in numpy (no ``evaluate`` download at run time).

Classification (accuracy, F1, precision, recall), regression (MSE, MAE, RMSE, R2),
entity-level precision/recall/F1 as seqeval computes them (IOB1/IOB2/IOE/IOBES or plain tags),
ROUGE-1/2/L F-measures, and COCO-style mean average precision for boxes. The Trainer's
``compute_metrics`` returns these names; it prefixes ``eval_`` and they land in metrics.jsonl.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

# --------------------------------------------------------------------------- classification


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int], num_labels: int) -> dict[str, float]:
    """accuracy, f1, precision, recall (binary: of class 1; more classes: macro), plus f1_micro/weighted."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    out = {"accuracy": float((y_true == y_pred).mean()) if len(y_true) else 0.0}
    labels = list(range(max(num_labels, 2)))
    per_p, per_r, per_f, support = [], [], [], []
    for label in labels:
        tp = float(((y_pred == label) & (y_true == label)).sum())
        fp = float(((y_pred == label) & (y_true != label)).sum())
        fn = float(((y_pred != label) & (y_true == label)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per_p.append(p), per_r.append(r), per_f.append(2 * p * r / (p + r) if p + r else 0.0)
        support.append(tp + fn)
    if num_labels <= 2:
        out.update(precision=per_p[1], recall=per_r[1], f1=per_f[1])
    else:
        present = [i for i, s in enumerate(support) if s > 0] or labels
        out.update(
            precision=float(np.mean([per_p[i] for i in present])),
            recall=float(np.mean([per_r[i] for i in present])),
            f1=float(np.mean([per_f[i] for i in present])),
            f1_micro=out["accuracy"],  # single-label: micro F1 equals accuracy
            f1_weighted=float(np.average(per_f, weights=support)) if sum(support) else 0.0,
        )
    return out


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], num_labels: int) -> list[list[int]]:
    """Rows: true class, columns: predicted class."""
    matrix = np.zeros((num_labels, num_labels), dtype=int)
    for t, p in zip(y_true, y_pred):
        if 0 <= t < num_labels and 0 <= p < num_labels:
            matrix[int(t), int(p)] += 1
    return matrix.tolist()


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """mse, mae, rmse, r2 (averaged over targets when there are several)."""
    y_true = np.asarray(y_true, dtype=float).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=float).reshape(len(y_true), -1)
    err = y_pred - y_true
    mse = float((err ** 2).mean())
    var = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    ss = (err ** 2).sum(axis=0)
    r2 = np.where(var > 0, 1 - ss / np.where(var > 0, var, 1), 0.0)
    return {"mse": mse, "mae": float(np.abs(err).mean()), "rmse": float(np.sqrt(mse)), "r2": float(r2.mean())}


# --------------------------------------------------------------------------- entities (seqeval-like)


def _split_tag(tag: str) -> tuple[str, str]:
    """("B", "PER") for "B-PER" (also "PER-B" is not a scheme: the prefix is read first); ("O", "") for O."""
    if tag in ("O", "", None):
        return "O", ""
    match = re.match(r"^([BIESLU])[-_](.+)$", tag)
    if match:
        prefix = {"L": "E", "U": "S"}.get(match[1], match[1])
        return prefix, match[2]
    return "I", tag  # a plain tag: runs of it are one entity


def entity_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """Entities (type, start, end inclusive) in one tag sequence, as seqeval's default mode reads them."""
    spans, start, current = set(), None, None
    prev_prefix = "O"
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = _split_tag(tag)
        ends = current is not None and (
            prefix in ("O", "B", "S") or kind != current or prev_prefix in ("E", "S")
        )
        if ends:
            spans.add((current, start, i - 1))
            current = None
        if prefix != "O" and (current is None or prefix in ("B", "S") or kind != current):
            start, current = i, kind
        prev_prefix = prefix
    return spans


def entity_metrics(true_seqs: Iterable[Sequence[str]], pred_seqs: Iterable[Sequence[str]]) -> dict[str, float]:
    """Micro precision, recall, F1 over entities, and token accuracy."""
    tp = n_true = n_pred = 0
    correct = total = 0
    for truth, pred in zip(true_seqs, pred_seqs):
        t, p = entity_spans(truth), entity_spans(pred)
        tp += len(t & p)
        n_true += len(t)
        n_pred += len(p)
        correct += sum(a == b for a, b in zip(truth, pred))
        total += len(truth)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": correct / total if total else 0.0}


# --------------------------------------------------------------------------- ROUGE


def _rouge_tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _f(overlap: float, pred_total: float, ref_total: float) -> float:
    if not overlap:
        return 0.0
    p, r = overlap / pred_total, overlap / ref_total
    return 2 * p * r / (p + r)


def _lcs(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[-1]))
        prev = cur
    return prev[-1]


def rouge(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE-1, ROUGE-2 and ROUGE-L F-measures (0 to 1), lower-cased word tokens."""
    scores = {"rouge1": [], "rouge2": [], "rougeL": []}
    for pred, ref in zip(predictions, references):
        p, r = _rouge_tokens(pred), _rouge_tokens(ref)
        for n, key in ((1, "rouge1"), (2, "rouge2")):
            pn, rn = _ngrams(p, n), _ngrams(r, n)
            scores[key].append(_f(sum((pn & rn).values()), sum(pn.values()), sum(rn.values())))
        scores["rougeL"].append(_f(_lcs(p, r), len(p), len(r)))
    return {k: float(np.mean(v)) if v else 0.0 for k, v in scores.items()}


# --------------------------------------------------------------------------- boxes


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of boxes in (x1, y1, x2, y2)."""
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _average_precision(scores: list[float], matched: list[bool], n_true: int) -> float:
    """COCO's 101-point interpolated AP."""
    if n_true == 0:
        return float("nan")
    if not scores:
        return 0.0
    order = np.argsort(-np.asarray(scores), kind="stable")
    hits = np.asarray(matched, dtype=float)[order]
    tp, fp = np.cumsum(hits), np.cumsum(1 - hits)
    recall = tp / n_true
    precision = tp / np.maximum(tp + fp, 1e-12)
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # precision envelope
    points = np.linspace(0, 1, 101)
    idx = np.searchsorted(recall, points, side="left")
    return float(np.mean([precision[i] if i < len(precision) else 0.0 for i in idx]))


def mean_average_precision(predictions: list[dict], targets: list[dict],
                           iou_thresholds: Sequence[float] = tuple(np.round(np.arange(0.5, 0.96, 0.05), 2))
                           ) -> dict[str, float]:
    """COCO-style mAP over IoU 0.5:0.95, plus map_50 and map_75.

    ``predictions``: per image {"boxes": (N, 4) xyxy, "scores": (N,), "labels": (N,)};
    ``targets``: per image {"boxes": (M, 4) xyxy, "labels": (M,)}. Classes without ground truth
    are left out of the mean.
    """
    classes = sorted({int(c) for t in targets for c in np.asarray(t["labels"]).reshape(-1)})
    per_threshold = {}
    for thr in iou_thresholds:
        aps = []
        for cls in classes:
            scores, matched, n_true = [], [], 0
            for pred, target in zip(predictions, targets):
                t_mask = np.asarray(target["labels"]).reshape(-1) == cls
                t_boxes = np.asarray(target["boxes"], float).reshape(-1, 4)[t_mask]
                mask = np.asarray(pred["labels"]).reshape(-1) == cls
                p_boxes = np.asarray(pred["boxes"], float).reshape(-1, 4)[mask]
                p_scores = np.asarray(pred["scores"], float).reshape(-1)[mask]
                n_true += len(t_boxes)
                taken = np.zeros(len(t_boxes), dtype=bool)
                ious = box_iou(p_boxes, t_boxes) if len(t_boxes) and len(p_boxes) else np.zeros((len(p_boxes), 0))
                for i in np.argsort(-p_scores, kind="stable"):
                    best, best_iou = -1, thr
                    for j in range(len(t_boxes)):
                        if not taken[j] and ious[i, j] >= best_iou:
                            best, best_iou = j, ious[i, j]
                    if best >= 0:
                        taken[best] = True
                    scores.append(float(p_scores[i]))
                    matched.append(best >= 0)
            ap = _average_precision(scores, matched, n_true)
            if ap == ap:
                aps.append(ap)
        per_threshold[float(thr)] = float(np.mean(aps)) if aps else 0.0
    out = {"map": float(np.mean(list(per_threshold.values()))) if per_threshold else 0.0}
    if 0.5 in per_threshold:
        out["map_50"] = per_threshold[0.5]
    if 0.75 in per_threshold:
        out["map_75"] = per_threshold[0.75]
    return out
