"""Eject sentence-transformers:{pair, pair_class, pair_score, triplet, qa} to a standalone script with
sentence-transformers' trainer, its losses and evaluators as the run chooses them (see train.py)."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Script, header
from ..shared.labels import classlabel_names, labels_from_values, numeric_targets
from ..shared.metrics import classification_metrics
from .train import COLUMNS, PAIR_CLASS_HEAD

_LOSSES = {"pair_class": "losses.SoftmaxLoss(model, dimension(), len(labels))",
           "pair_score": "losses.CoSENTLoss(model)"}

_PAIR_CLASS_EVALUATOR = '''
class PairClassEvaluator(SentenceEvaluator):
    """Accuracy and F1 of the SoftmaxLoss classifier on the valid pairs (as tunewidgets evaluates pair_class)."""

    def __init__(self):
        super().__init__()
        self.primary_metric = "accuracy"
        self.name = "valid"

    def __call__(self, model, output_path=None, epoch=-1, steps=-1):
        a = model.encode(valid["sentence1"], batch_size=BATCH_SIZE, convert_to_tensor=True)
        b = model.encode(valid["sentence2"], batch_size=BATCH_SIZE, convert_to_tensor=True)
        parts = []
        if loss.concatenation_sent_rep:
            parts += [a, b]
        if loss.concatenation_sent_difference:
            parts.append(torch.abs(a - b))
        if loss.concatenation_sent_multiplication:
            parts.append(a * b)
        with torch.no_grad():
            logits = loss.classifier(torch.cat(parts, 1).to(loss.classifier.weight.dtype))
        metrics = classification_metrics(np.asarray(valid["label"]), logits.argmax(-1).cpu().numpy(), len(labels))
        metrics = {k: metrics[k] for k in ("accuracy", "f1", "precision", "recall")}
        return self.prefix_name_to_metrics(metrics, self.name)
'''


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None, device=None,
           kind: str = "pair") -> str:
    """A script that trains like a run of ``config`` (``kind``: which loss and evaluator)."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = common.trainer_kwargs(config, device, out, auto_valid=True, notes=notes)
    loss = _LOSSES.get(kind, "losses.MultipleNegativesRankingLoss(model)")
    s = Script(header(config, f"sentence-transformers' trainer ({kind}: {loss.split('(')[0].split('.')[-1]})",
                      device, notes))
    if kind == "pair_class":
        s.imports("import torch", "import numpy as np")
    s.imports("from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer",
              "from sentence_transformers import SentenceTransformerTrainingArguments")
    s.code("st_modules", '''
        try:  # sentence-transformers 6 moved its losses and evaluators
            from sentence_transformers.sentence_transformer import evaluation, losses
        except ImportError:
            from sentence_transformers import evaluation, losses
        ''')
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out)
    s.setting("MAX_SEQ_LENGTH", p.max_seq_length).setting("BATCH_SIZE", p.batch_size)
    s.section("data")
    read_splits(s, config, stratify="target" if kind == "pair_class" else None)
    s.setting("COLUMNS_IN_ORDER", COLUMNS[kind], "the trainer reads the columns in this order; 'label' last")
    if kind == "pair_class":
        s.embed(labels_from_values, classlabel_names)
        s.add("labels = labels_from_values(train['target'], names=classlabel_names(train, 'target'))",
              "",
              "",
              "def targets(split, name):",
              "    return [labels.encode(v) for v in split['target']]")
    elif kind == "pair_score":
        s.embed(numeric_targets)
        s.add("", "", "def targets(split, name):", "    return numeric_targets(split['target'], name)")
    else:
        s.add("", "", "def targets(split, name):", "    return None")
    s.add("",
          "",
          "def finish(split, name):",
          "    if split is None:",
          "        return None",
          "    values = targets(split, name)",
          "    split = split.select_columns(COLUMNS_IN_ORDER)",
          "    return split.add_column('label', values) if values is not None else split",
          "",
          "",
          "train, valid = finish(train, 'train'), finish(valid, 'valid')")
    s.section("model", *common.seed_lines(s),
              f"model = SentenceTransformer(MODEL, device={device.device!r})",
              "model.max_seq_length = MAX_SEQ_LENGTH")
    if kind == "pair_class":
        s.add("dimension = getattr(model, 'get_embedding_dimension', None) or model.get_sentence_embedding_dimension")
    s.add(f"loss = {loss}")
    s.section("training", *_evaluator_lines(s, kind), "")
    s.add(*common.arguments_lines(s, config, "SentenceTransformerTrainingArguments", args))
    s.add("",
          "",
          "class Trainer(SentenceTransformerTrainer):",
          "    def add_model_card_callback(self, *args, **kwargs):",
          '        """None, as in tunewidgets: its statistics draw from the global random module."""',
          "",
          "",
          "trainer = Trainer(",
          "    model=model, args=args, train_dataset=train, eval_dataset=valid, loss=loss, evaluator=evaluator,",
          f"    callbacks={common.early_stopping(s, config)},",
          ")",
          "trainer.train()")
    save = ["model.save(OUTPUT_DIR)",
            "trainer.save_state()  # OUTPUT_DIR/trainer_state.json: the log history (losses, evaluations)"]
    if kind == "pair_class":
        save += ["# the classifier is not part of the encoder: kept beside it, as tunewidgets keeps it",
                 "torch.save({'state_dict': loss.classifier.state_dict(), 'labels': labels.names,",
                 "            'concatenation': [loss.concatenation_sent_rep, loss.concatenation_sent_difference,",
                 "                              loss.concatenation_sent_multiplication]},",
                 f"           OUTPUT_DIR + '/{PAIR_CLASS_HEAD}')"]
    s.section("save", *save)
    return s.text()


def _evaluator_lines(s: Script, kind: str) -> list[str]:
    """The evaluator the run puts beside the eval loss (None without a valid split)."""
    if kind == "triplet":
        return ["evaluator = evaluation.TripletEvaluator(",
                "    valid['sentence1'], valid['sentence2'], valid['sentence3'], name='valid', batch_size=BATCH_SIZE,",
                "    write_csv=False) if valid is not None else None"]
    if kind == "pair_score":
        return ["evaluator = evaluation.EmbeddingSimilarityEvaluator(",
                "    valid['sentence1'], valid['sentence2'], valid['label'], name='valid', batch_size=BATCH_SIZE,",
                "    write_csv=False) if valid is not None else None"]
    if kind == "pair_class":
        s.embed(classification_metrics)
        s.code("SentenceEvaluator", '''
            SentenceEvaluator = getattr(evaluation, "SentenceEvaluator", None) or evaluation.BaseEvaluator
            ''')
        s.code("PairClassEvaluator", _PAIR_CLASS_EVALUATOR)
        return ["evaluator = PairClassEvaluator() if valid is not None else None"]
    return ["evaluator = None",
            "if valid is not None:  # find each sentence2 among all of them from its sentence1",
            "    corpus_ids = {}",
            "    for text in valid['sentence2']:",
            "        corpus_ids.setdefault(text, f'd{len(corpus_ids)}')",
            "    queries = {f'q{i}': text for i, text in enumerate(valid['sentence1'])}",
            "    relevant = {f'q{i}': {corpus_ids[text]} for i, text in enumerate(valid['sentence2'])}",
            "    evaluator = evaluation.InformationRetrievalEvaluator(",
            "        queries, {v: k for k, v in corpus_ids.items()}, relevant, name='valid', batch_size=BATCH_SIZE,",
            "        write_csv=False, accuracy_at_k=[1, 5], precision_recall_at_k=[1], map_at_k=[10])"]
