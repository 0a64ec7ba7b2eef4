"""sentence-transformers:{pair, pair_class, pair_score, triplet, qa} with sentence-transformers' trainer.

Losses as AutoTrain chooses them: in-batch negatives (MultipleNegativesRankingLoss) for pair,
triplet and qa; SoftmaxLoss for pair_class; CoSENTLoss for pair_score. An evaluator on the
valid split puts its metrics beside the eval loss in metrics.jsonl: retrieval accuracy/MRR/NDCG
(pair, qa), triplet accuracy (triplet), Spearman/Pearson correlation (pair_score) and accuracy/F1
of the pair classifier (pair_class). A plain transformers encoder gets mean pooling on load.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import DataError
from ..base import TaskContext, TrainJob
from ..shared.labels import check_known, classlabel_names, labels_from_values, numeric_targets
from ..shared.metrics import classification_metrics
from ..shared.pretrained import from_pretrained
from ..shared.splits import column_named, load_train_valid
from ..shared.supervised import check_text_column, early_stopping, trainer_arguments

COLUMNS = {
    "pair": ["sentence1", "sentence2"],
    "pair_class": ["sentence1", "sentence2"],
    "pair_score": ["sentence1", "sentence2"],
    "triplet": ["sentence1", "sentence2", "sentence3"],
    "qa": ["sentence1", "sentence2"],
}
PAIR_CLASS_HEAD = "pair_classifier.pt"  # the SoftmaxLoss classifier and its labels, beside the encoder


def _st_modules():
    """(losses, evaluation, BaseEvaluator) across sentence-transformers' module layouts."""
    try:
        from sentence_transformers.sentence_transformer import evaluation, losses
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers import evaluation, losses
    base = getattr(evaluation, "SentenceEvaluator", None) or evaluation.BaseEvaluator
    return losses, evaluation, base


def _load_model(ctx: TaskContext):
    from sentence_transformers import SentenceTransformer

    model = from_pretrained(SentenceTransformer, ctx.config.base_model, "a sentence-transformers encoder",
                            token=ctx.config.hub_token, sentence_transformer=True, device=ctx.device.device)
    model.max_seq_length = ctx.config.params.max_seq_length
    return model


def _pair_class_evaluator(base, loss, valid, labels, batch_size: int):
    """Accuracy and F1 of the SoftmaxLoss classifier on the valid pairs."""

    class PairClassEvaluator(base):
        def __init__(self):
            super().__init__()
            self.primary_metric = "accuracy"
            self.name = "valid"

        def __call__(self, model, output_path=None, epoch=-1, steps=-1):
            import torch

            a = model.encode(valid["sentence1"], batch_size=batch_size, convert_to_tensor=True)
            b = model.encode(valid["sentence2"], batch_size=batch_size, convert_to_tensor=True)
            parts = []
            if loss.concatenation_sent_rep:
                parts += [a, b]
            if loss.concatenation_sent_difference:
                parts.append(torch.abs(a - b))
            if loss.concatenation_sent_multiplication:
                parts.append(a * b)
            with torch.no_grad():
                logits = loss.classifier(torch.cat(parts, 1).to(loss.classifier.weight.dtype))
            preds = logits.argmax(-1).cpu().numpy()
            metrics = classification_metrics(np.asarray(valid["label"]), preds, len(labels))
            metrics = {k: metrics[k] for k in ("accuracy", "f1", "precision", "recall")}
            return self.prefix_name_to_metrics(metrics, self.name)

    return PairClassEvaluator()


def _evaluator(kind: str, valid, loss, labels, batch_size: int):
    if valid is None:
        return None
    losses, evaluation, base = _st_modules()
    if kind == "triplet":
        return evaluation.TripletEvaluator(valid["sentence1"], valid["sentence2"], valid["sentence3"], name="valid",
                                           batch_size=batch_size, write_csv=False)
    if kind == "pair_score":
        return evaluation.EmbeddingSimilarityEvaluator(valid["sentence1"], valid["sentence2"], valid["label"],
                                                       name="valid", batch_size=batch_size, write_csv=False)
    if kind == "pair_class":
        return _pair_class_evaluator(base, loss, valid, labels, batch_size)
    # pair, qa: find each sentence2 among all of them from its sentence1
    corpus_ids: dict[str, str] = {}
    for text in valid["sentence2"]:
        corpus_ids.setdefault(text, f"d{len(corpus_ids)}")
    queries = {f"q{i}": text for i, text in enumerate(valid["sentence1"])}
    relevant = {f"q{i}": {corpus_ids[text]} for i, text in enumerate(valid["sentence2"])}
    return evaluation.InformationRetrievalEvaluator(
        queries, {v: k for k, v in corpus_ids.items()}, relevant, name="valid", batch_size=batch_size,
        write_csv=False, accuracy_at_k=[1, 5], precision_recall_at_k=[1], map_at_k=[10],
    )


def build(ctx: TaskContext, kind: str) -> TrainJob:
    """``kind``: pair, pair_class, pair_score, triplet or qa (which loss and evaluator)."""
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments

    p = ctx.config.params
    losses, _, _ = _st_modules()
    train, valid, _ = load_train_valid(ctx, stratify="target" if kind == "pair_class" else None)
    columns = COLUMNS[kind]
    for name, split in (("train", train), ("valid", valid)):
        if split is not None:
            for column in columns:
                check_text_column(split, column, name)

    labels = None
    if kind == "pair_class":
        labels = labels_from_values(train["target"], names=classlabel_names(train, "target"))
        if valid is not None:
            check_known(labels, valid["target"], "valid")
        encode = lambda split, name: [labels.encode(v) for v in split["target"]]  # noqa: E731
    elif kind == "pair_score":
        shown = column_named(ctx.config, "target_column", "target")
        encode = lambda split, name: numeric_targets(split["target"], name, shown)  # noqa: E731
    else:
        encode = None

    def finish(split, name):
        if split is None:
            return None
        targets = encode(split, name) if encode else None
        split = split.select_columns(columns)
        return split.add_column("label", targets) if targets is not None else split

    train, valid = finish(train, "train"), finish(valid, "valid")
    model = _load_model(ctx)
    if kind == "pair_class":
        if len(labels) < 2:
            raise DataError(f"pair_class needs at least two classes; the train split has only {labels.names[0]!r}")
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        loss = losses.SoftmaxLoss(model, dimension(), len(labels))
    elif kind == "pair_score":
        loss = losses.CoSENTLoss(model)
    else:
        loss = losses.MultipleNegativesRankingLoss(model)

    has_eval = valid is not None
    args = SentenceTransformerTrainingArguments(**trainer_arguments(ctx, has_eval=has_eval, num_examples=len(train)))
    class Trainer(SentenceTransformerTrainer):
        def add_model_card_callback(self, *args, **kwargs):
            """None: its statistics draw a tqdm bar (into the notebook, from the run's thread) and draw from the
            global random module; the run directory gets tunewidgets' own model card."""

    trainer = Trainer(
        model=model, args=args, train_dataset=train, eval_dataset=valid, loss=loss,
        evaluator=_evaluator(kind, valid, loss, labels, p.batch_size),
        callbacks=[*ctx.callbacks, *early_stopping(ctx, has_eval)],
    )

    def save(run_dir):
        import torch

        model.save(str(run_dir))
        empty = Path(run_dir) / "eval"  # the trainer makes it for evaluator files; ours write none
        if empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
        if kind == "pair_class":  # the classifier is not part of the encoder: keep it beside for pair predictions
            torch.save({"state_dict": loss.classifier.state_dict(), "labels": labels.names,
                        "concatenation": [loss.concatenation_sent_rep, loss.concatenation_sent_difference,
                                          loss.concatenation_sent_multiplication]},
                       Path(run_dir) / PAIR_CLASS_HEAD)

    return TrainJob(trainer=trainer, model=model, tokenizer=model.tokenizer, save=save,
                    num_train_examples=len(train), num_valid_examples=len(valid) if valid is not None else 0,
                    notes=[f"{kind}: {type(loss).__name__}"])
