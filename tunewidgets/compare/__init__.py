"""Trained runs (and their base models) answer the same prompts side by side: ``tunewidgets compare``.

``compare.compare(runs, prompts)`` -> a ``Comparison`` (a table, a JSONL file); the prompts come from
``prompts.prompts_from_valid`` (the run's validation rows), ``prompts_from_file`` or ``prompts_from_texts``;
``contenders`` says which models answer. Light on import: torch and the models load when a comparison starts.
"""
