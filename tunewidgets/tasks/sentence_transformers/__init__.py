"""sentence-transformers:{pair, pair_class, pair_score, triplet, qa}: sentence embeddings,
sentence-transformers' trainer."""

from __future__ import annotations

from dataclasses import replace

from ...config.params_text import SentenceTransformersParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, TaskSpec
from ..shared import roles

_DEMO = {"epochs": 2, "batch_size": 16, "lr": 1e-3, "logging_steps": 2, "eval_strategy": "epoch",
         "save_strategy": "epoch"}
_RETRIEVAL = ("accuracy@1", "mrr", "ndcg", "map")
_PREDICT = Predict(run=Hook.to(f"{__name__}.predict:similarities"),
                   placeholder="two or more sentences, one per line: each is compared with the first (cosine "
                               "similarity)")
_PAIR = (roles.SENTENCE1, roles.SENTENCE2)

# kind -> (title, roles, demo data, demo mapping, what to summarise, scores)
_KINDS = {
    "pair": ("pairs", _PAIR, "st-pair", {"sentence1_column": "anchor", "sentence2_column": "positive"}, None,
             _RETRIEVAL),
    "pair_class": ("pair classification", (*_PAIR, replace(roles.SENTENCE_LABEL, help="the pair's class")),
                   "st-pair-class", {"sentence1_column": "premise", "sentence2_column": "hypothesis",
                                     "target_column": "label"}, "classes", ("accuracy", "f1")),
    "pair_score": ("pair similarity score", (*_PAIR, replace(roles.SENTENCE_LABEL, help="the pair's score (0 to 1)")),
                   "st-pair-score", {"sentence1_column": "sentence1", "sentence2_column": "sentence2",
                                     "target_column": "score"}, "values", ("spearman", "pearson")),
    "triplet": ("triplets", (*_PAIR, roles.SENTENCE3), "st-triplet",
                {"sentence1_column": "anchor", "sentence2_column": "positive", "sentence3_column": "negative"}, None,
                ("accuracy",)),
    "qa": ("question answer pairs", (replace(roles.SENTENCE1, help="the question"),
                                     replace(roles.SENTENCE2, help="the answer")),
           "st-qa", {"sentence1_column": "question", "sentence2_column": "answer"}, None, _RETRIEVAL),
}


def _spec(kind: str) -> TaskSpec:
    title, task_roles, data, mapping, labels, scores = _KINDS[kind]
    name = f"sentence-transformers:{kind}"
    aliases = (f"st:{kind}", f"st_{kind}", f"sentence_transformers:{kind}")
    if kind == "pair_score":  # AutoTrain's bare name means the scored pairs
        aliases += ("sentence_transformers", "sentence-transformers")
    return TaskSpec(
        name=name,
        title=f"Sentence transformers: {title}",
        group="Sentence embeddings (sentence-transformers)",
        params=SentenceTransformersParams,
        roles=task_roles,
        build=Hook.to(f"{__name__}.train:build", kind=kind),
        load_saved=Hook.to("tunewidgets.tasks.shared.saved:load_sentence_transformer"),
        demo=Demo(model="bert", data=data, mapping=mapping, params=_DEMO),
        aliases=aliases,
        trainer_names=(kind,),
        distribution=("target_column", labels) if labels else None,
        scores=scores,
        predict=_PREDICT,
        checks=Hook.to("tunewidgets.tasks.shared.checks:check_rows", labels=labels),
        eject=Hook.to(f"{__name__}.eject:script", kind=kind),
        library="sentence-transformers",
        footprint=Footprint("AutoModel", sequences=len(task_roles) - (1 if labels else 0)),
    )


TASKS = tuple(_spec(kind) for kind in _KINDS)
