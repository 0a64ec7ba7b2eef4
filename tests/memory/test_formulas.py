"""The arithmetic of training memory against the numbers its sources publish."""

from __future__ import annotations

import pytest

from tunewidgets.memory import formulas
from tunewidgets.memory.formulas import LayerShape


def _gpt(h=1024, heads=16, scores=True, dropout=True):
    return LayerShape(hidden=h, intermediate=4 * h, heads=heads, kv_hidden=h, gated_mlp=False, dropout=dropout,
                      scores_stored=scores)


def test_gpt_layer_matches_korthikanti_34sbh_plus_5as2b():
    s, b, h, a = 512, 4, 1024, 16
    got = formulas.layer_activation_bytes(_gpt(h, a), tokens=s * b, seq=s, element=2)
    assert got == 34 * s * b * h + 5 * a * s * s * b


def test_kernels_that_keep_no_scores_leave_34sbh():
    s, b, h = 256, 2, 512
    assert formulas.layer_activation_bytes(_gpt(h, scores=False), s * b, s, 2) == 34 * s * b * h


def test_gated_mlp_and_grouped_query_attention():
    """Llama-style: SwiGLU keeps gate, up, activation and product (4i), GQA's K and V are kv wide, no dropout."""
    h, i, kv, s = 4096, 14336, 1024, 10
    layer = LayerShape(hidden=h, intermediate=i, heads=32, kv_hidden=kv, gated_mlp=True, dropout=False,
                       scores_stored=False)
    per_token = 2 * (2 * h + h + (h + kv) + kv + h) + 2 * (h + 4 * i)
    assert formulas.layer_activation_bytes(layer, s, s, 2) == per_token * s


def test_fp32_activations_double_the_16bit_ones_but_masks():
    layer = _gpt(256, 4, scores=False, dropout=False)
    fp32, half = (formulas.layer_activation_bytes(layer, 100, 100, element) for element in (4, 2))
    assert fp32 == 2 * half


def test_checkpointing_keeps_layer_inputs_and_one_layer():
    layer, tokens = _gpt(512, 8, scores=False), 4 * 128
    one = formulas.layer_activation_bytes(layer, tokens, 128, 2)
    assert formulas.stack_activation_bytes(layer, 12, tokens, 128, 2, checkpointing=False) == 12 * one
    assert formulas.stack_activation_bytes(layer, 12, tokens, 128, 2, checkpointing=True) == 12 * 2 * 512 * tokens + one


def test_nf4_with_double_quantization_is_4_127_bits():
    assert formulas.BYTES_PER_PARAM["int4"] * 8 == pytest.approx(4.127)


@pytest.mark.parametrize(("optimizer", "per_param"), [
    ("adamw_torch", 8.0), ("adamw_torch_fused", 8.0), ("paged_adamw_32bit", 8.0), ("adamw_8bit", 2 * (1 + 4 / 2048)),
    ("paged_adamw_8bit", 2 * (1 + 4 / 2048)), ("lion_8bit", 1 + 4 / 2048), ("rmsprop", 4.0), ("sgd", 0.0),
])
def test_optimizer_states_per_fp32_parameter(optimizer, per_param):
    assert formulas.optimizer_bytes(optimizer, (1000, 10), 4.0) == pytest.approx(per_param * 10_000)


def test_adafactor_keeps_a_row_and_a_column():
    assert formulas.optimizer_bytes("adafactor", (4096, 1024), 4.0) == (4096 + 1024) * 4
    assert formulas.optimizer_bytes("adafactor", (1024,), 4.0) == 1024 * 4


def test_largest_batch():
    assert formulas.largest_batch(10e9, 3e9) == 3
    assert formulas.largest_batch(1e9, 3e9) == 0
    assert formulas.largest_batch(-5, 3e9) == 0
