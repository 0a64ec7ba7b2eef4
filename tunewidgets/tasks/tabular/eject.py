"""Eject tabular to a standalone scikit-learn (or XGBoost) script: the same preprocessing, model family,
seeded search settings and scoring as the run (see train.py and models.py).

The search's data handling and scoring are TabularSearch's own methods, copied into a small class of the
script, so the trials score exactly as in the run; the loop around them is the run's, without the
Trainer-shaped surface (events, checkpoints) that only a Run uses.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Raw, Script, header
from ..shared.splits import MIN_ROWS_TO_SPLIT, split_indices
from .models import feature_columns, model_family
from .train import INFO_FILE, MODEL_FILE, TabularSearch

SCORES_FILE = "scores.json"  # the ejected script's record of its trials (the run's is metrics.jsonl)

_METHODS = ("_targets", "_settings", "_fit_y", "_ids", "pipeline", "fit", "score", "_probas", "_log_loss", "info")
_PARAMS = ("task", "model", "num_trials", "time_limit", "seed", "numerical_columns", "categorical_columns",
           "numerical_imputer", "categorical_imputer", "numeric_scaler")

_INIT = '''
class Search:
    """The data, the pipeline factory and the scoring of the search: tunewidgets' TabularSearch, whose methods
    below are copied as they are."""

    def __init__(self, train_df, valid_df):
        self.p, self.classification = P, P.task == "classification"
        self.targets, self.id_column = TARGETS, ID_COLUMN
        self.train_df, self.valid_df = train_df, valid_df
        exclude = self.targets + ([self.id_column] if self.id_column else [])
        self.numerical, self.categorical = feature_columns(self.train_df, P, exclude)
        self.features = self.numerical + self.categorical
        self.labels = []
        self.y_train = self._targets(self.train_df, "train")
        self.y_valid = self._targets(self.valid_df, "valid")
        self.family = model_family(P.model, self.classification, print)
        self.settings = self._settings()
'''


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
           device=None) -> str:
    """A script that searches like a run of ``config`` and saves the best pipeline and its scores."""
    p = config.params
    out = common.output_dir(config, workdir)
    mapping = dict(config.data.column_mapping or {})
    if not mapping:
        from ..shared.eject_data import guessed_mapping

        mapping = guessed_mapping(config)
    targets = mapping.get("target_columns") or []
    targets = [targets] if isinstance(targets, str) else list(targets)
    what = f"a scikit-learn pipeline of {p.model} (a search of up to {p.num_trials} settings)"
    s = Script(header(config, what, None,
                      saves=f"the best pipeline ({MODEL_FILE}) and the trials' scores ({SCORES_FILE})"))
    s.imports("import json", "import time", "from pathlib import Path", "from types import SimpleNamespace",
              "import joblib", "import numpy as np")
    s.setting("OUTPUT_DIR", out)
    s.setting("TARGETS", targets).setting("ID_COLUMN", mapping.get("id_column"))
    params = "".join(f"\n    {name}={getattr(p, name)!r}," for name in _PARAMS)
    s.setting("P", Raw(f"SimpleNamespace(  # the tabular params of the run{params}\n)"))
    s.section("data")
    read_splits(s, config, auto_valid=False, renames={})
    s.embed(split_indices)
    stratify = "train[TARGETS[0]] if P.task == 'classification' and TARGETS[0] in train.column_names else len(train)"
    if not config.data.valid_split:
        s.add(f"if len(train) >= {MIN_ROWS_TO_SPLIT}:  # no valid split: hold out 20% of train, as tunewidgets does "
              "(seeded, stratified by the first target)",
              f"    train_rows, valid_rows = split_indices({stratify}, seed=SEED)",
              "    train, valid = train.select(train_rows), train.select(valid_rows)")
    s.add("train_df = train.to_pandas()",
          "valid_df = valid.to_pandas() if valid is not None else train_df  # too few rows: scored on train")
    s.embed(feature_columns, model_family)  # what Search.__init__ calls
    s.code("Search", _search_class(s))
    s.section("search: trial 1 is the model's defaults, then seeded random settings until the time limit",
              "search = Search(train_df, valid_df)",
              "model, best, trials, began = None, {}, [], time.time()",
              "for trial, setting in enumerate(search.settings):",
              "    if trial > 0 and time.time() - began > P.time_limit:",
              "        print(f'time limit of {P.time_limit} s reached after {trial} trials: search ends')",
              "        break",
              "    try:",
              "        pipe = search.fit(setting)",
              "        train_scores = search.score(pipe, search.train_df, search.y_train)",
              "        scores = search.score(pipe, search.valid_df, search.y_valid)",
              "    except (ValueError, TypeError, ArithmeticError) as exc:",
              "        print(f'trial {trial + 1}: {type(exc).__name__}: {exc}')",
              "        continue",
              "    trials.append({'trial': trial + 1, 'loss': train_scores['loss'],",
              "                   **{f'eval_{k}': v for k, v in scores.items()}})",
              "    if not best or scores['loss'] < best['best_loss']:",
              "        model = pipe",
              "        best = {'best_trial': trial + 1, 'best_loss': scores['loss'], 'best_params': setting,",
              "                'best_metrics': scores}",
              "    print(trials[-1])",
              "if model is None:",
              "    raise SystemExit('every trial of the search failed')")
    s.section("save: the best pipeline (joblib.load(...).predict(frame)), what it reads, and the scores",
              "Path(OUTPUT_DIR).mkdir(parents=True, exist_ok=True)",
              f"joblib.dump(model, Path(OUTPUT_DIR) / {MODEL_FILE!r})",
              f"(Path(OUTPUT_DIR) / {INFO_FILE!r}).write_text(json.dumps(search.info(best), indent=2, default=str))",
              f"(Path(OUTPUT_DIR) / {SCORES_FILE!r}).write_text(json.dumps({{**best, 'trials': trials}}, indent=2,",
              "                                                      default=str))")
    return s.text()


def _search_class(s: Script) -> str:
    """The script's Search class: a short __init__ over the script's data, then TabularSearch's methods."""
    methods = [s.source(getattr(TabularSearch, name)) + "\n" for name in _METHODS]
    body = "\n".join(textwrap.indent(method, "    ") for method in methods)
    return textwrap.dedent(_INIT).strip("\n") + "\n\n" + body.rstrip()
