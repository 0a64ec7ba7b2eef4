"""Cross-field rules of the LLM tasks, checked when a config is validated (so kept free of heavy imports)."""

from __future__ import annotations


def single_text(config) -> None:
    """SFT and the plain causal LM: no reference model; Alpaca's context needs the instruction it belongs to."""
    _no_reference_model(config)
    mapping = config.data.column_mapping
    if mapping.get("context_column") and not mapping.get("prompt_text_column"):
        raise ValueError("data.column_mapping: context_column (Alpaca's input) is joined to the instruction: map "
                         "prompt_text_column too")


def preference_pairs(config) -> None:
    """Reward and ORPO: the rejected column is mapped; no reference model."""
    _no_reference_model(config)
    _rejected_mapped(config)


def scored_pairs(config) -> None:
    """The reward model: preference pairs, and no generations (a scorer writes no text to judge)."""
    preference_pairs(config)
    if getattr(config.params, "eval_generate", 0):
        raise ValueError("params.eval_generate: llm-reward trains a scorer, which writes no text: set it to 0 (the "
                         "accuracy on the valid split says how often it prefers the chosen answer)")


def preference_pairs_with_reference(config) -> None:
    """DPO: the rejected column is mapped; a reference model may be named (params.model_ref)."""
    _rejected_mapped(config)


def _rejected_mapped(config) -> None:
    mapping = config.data.column_mapping
    if mapping and not mapping.get("rejected_text_column"):
        raise ValueError(
            f"data.column_mapping: {config.task} needs rejected_text_column (and text_column for the chosen text)"
        )


def _no_reference_model(config) -> None:
    if getattr(config.params, "model_ref", None):
        raise ValueError(f"params.model_ref: a reference model is only used by llm-dpo, not {config.task}")
