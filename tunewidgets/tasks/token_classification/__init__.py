"""token_classification: a tag per word (named entities), with entity precision, recall and F1."""

from __future__ import annotations

from ...config.params_text import TokenClassificationParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, TaskSpec
from ..shared import roles
from ..shared import supervised_spec as common

TASKS = (
    TaskSpec(
        name="token_classification",
        title="Token classification",
        group=common.TEXT_GROUP,
        params=TokenClassificationParams,
        roles=(roles.TOKENS, roles.TAGS),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=common.load_saved("AutoModelForTokenClassification"),
        footprint=Footprint("AutoModelForTokenClassification"),
        demo=Demo(model="bert", data="token-classification", mapping={"tokens_column": "tokens", "tags_column": "tags"},
                  params=common.TEXT_DEMO, rows=300),
        aliases=("token-classification",),
        distribution=("tags_column", "tags"),
        scores=("f1", "precision", "recall", "accuracy"),
        predict=Predict(run=Hook.to(f"{__name__}.predict:predict"),
                        placeholder="A sentence; each word gets its tag"),
        checks=common.label_checks(None),
        eject=Hook.to(f"{__name__}.eject:script"),
    ),
)
