"""LRP through LSTM and GRU layers (Arras, Montavon, Müller & Samek, "Explaining recurrent
neural network predictions in sentiment analysis", WASSA 2017, arXiv:1706.07206).

The layer is recomputed step by step so relevance can be routed:
- multiplicative gates (sigmoid outputs) are treated as constants: in a product gate ⊙ signal
  all relevance goes to the signal;
- the linear maps W x_t + U h_(t−1) + b use the ε-rule, splitting relevance between the input
  and the previous state (the bias and ε absorb some);
- tanh passes relevance through unchanged.
Steps past a sequence's length leave the state untouched, so padding receives no relevance.
When the layer reads the explained inputs (see the engine), the composite's first-layer rule
redistributes the relevance of the input map W x_t over the input features.
Single-layer, unidirectional layers only (what jetxai's taggers use).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from jetxai.errors import InputError
from jetxai.explain.lrp.rules import Hooks, epsilon_output, pass_through


def _param(module: nn.Module, name: str) -> torch.Tensor:
    value = getattr(module, name)
    assert isinstance(value, torch.Tensor)
    return value


def _biases(module: nn.LSTM | nn.GRU) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    if not module.bias:
        return None, None
    return _param(module, "bias_ih_l0"), _param(module, "bias_hh_l0")


def check(module: nn.LSTM | nn.GRU, name: str = "") -> None:
    """Refuse, by name, the recurrent layers the routing below does not cover."""
    if module.num_layers != 1 or module.bidirectional or getattr(module, "proj_size", 0) != 0:
        raise InputError(
            f"LRP does not cover module {name or '<model>'!r} ({type(module).__name__} with "
            f"{module.num_layers} layers, bidirectional={module.bidirectional}); it supports "
            "single-layer, unidirectional LSTM/GRU without projections"
        )


def _input_map(module: nn.LSTM | nn.GRU, x: torch.Tensor, hooks: Hooks | None) -> torch.Tensor:
    """W_ih x for every step, with the first-layer rule applied when ``x`` is an input."""
    w_ih = _param(module, "weight_ih_l0")
    mapped = x @ w_ih.T
    if hooks is None or hooks.composite.first_layer is None or not hooks.reads_inputs(x):
        return mapped
    linear = nn.Linear(w_ih.shape[1], w_ih.shape[0], bias=False, device=x.device, dtype=x.dtype)
    linear.weight = nn.Parameter(w_ih.detach(), requires_grad=False)
    aux: list[torch.Tensor] = []
    out = hooks.composite.first_layer.output(linear, x, mapped, aux)
    hooks.record(x, aux)
    return out


def _unpack(
    module: nn.Module, data: torch.Tensor | PackedSequence
) -> tuple[torch.Tensor, torch.Tensor]:
    """(batch-first padded input, lengths) in the caller's batch order."""
    if isinstance(data, PackedSequence):
        padded, lengths = pad_packed_sequence(data, batch_first=True)
        return padded, lengths
    padded = data if module.batch_first else data.transpose(0, 1)
    return padded, torch.full((padded.shape[0],), padded.shape[1], dtype=torch.long)


def _repack(
    module: nn.Module,
    outputs: torch.Tensor,
    lengths: torch.Tensor,
    like: torch.Tensor | PackedSequence,
) -> torch.Tensor | PackedSequence:
    if isinstance(like, PackedSequence):
        return pack_padded_sequence(outputs, lengths, batch_first=True, enforce_sorted=False)
    return outputs if module.batch_first else outputs.transpose(0, 1)


def _linear(
    x_mapped: torch.Tensor,
    h: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor | None,
    b_hh: torch.Tensor | None,
) -> torch.Tensor:
    out = x_mapped + h @ w_hh.T
    if b_ih is not None:
        out = out + b_ih
    if b_hh is not None:
        out = out + b_hh
    return out


def lstm(
    module: nn.LSTM, args: tuple[Any, ...], epsilon: float, hooks: Hooks | None = None
) -> tuple[Any, ...]:
    """The LSTM's forward output, recomputed with LRP relevance routing."""
    check(module)
    data = args[0]
    x, lengths = _unpack(module, data)
    x_mapped = _input_map(module, x, hooks)
    batch, steps, _ = x.shape
    size = module.hidden_size
    h = x.new_zeros(batch, size)
    c = x.new_zeros(batch, size)
    outputs = []
    w_hh = _param(module, "weight_hh_l0")
    b_ih, b_hh = _biases(module)
    for t in range(steps):
        pre = _linear(x_mapped[:, t], h, w_hh, b_ih, b_hh)
        i, f, g_pre, o = pre.chunk(4, dim=1)
        g_pre = epsilon_output(g_pre, epsilon)
        g = pass_through(g_pre, torch.tanh(g_pre))
        c_new = torch.sigmoid(f).detach() * c + torch.sigmoid(i).detach() * g
        h_new = torch.sigmoid(o).detach() * pass_through(c_new, torch.tanh(c_new))
        active = (t < lengths).to(x.device).unsqueeze(1)
        c = torch.where(active, c_new, c)
        h = torch.where(active, h_new, h)
        outputs.append(torch.where(active, h, torch.zeros_like(h)))
    out = _repack(module, torch.stack(outputs, dim=1), lengths, data)
    return out, (h.unsqueeze(0), c.unsqueeze(0))


def gru(
    module: nn.GRU, args: tuple[Any, ...], epsilon: float, hooks: Hooks | None = None
) -> tuple[Any, ...]:
    """The GRU's forward output, recomputed with LRP relevance routing.

    n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn)) with r constant is linear in (x, h): ε-rule;
    h' = (1 − z) ⊙ n + z ⊙ h with z constant splits relevance between n and h."""
    check(module)
    data = args[0]
    x, lengths = _unpack(module, data)
    x_mapped = _input_map(module, x, hooks)
    batch, steps, _ = x.shape
    size = module.hidden_size
    h = x.new_zeros(batch, size)
    outputs = []
    w_hh = _param(module, "weight_hh_l0")
    zero = torch.zeros(3 * size, dtype=x.dtype, device=x.device)
    bias_ih, bias_hh = _biases(module)
    b_ih = zero if bias_ih is None else bias_ih
    b_hh = zero if bias_hh is None else bias_hh
    for t in range(steps):
        gi = x_mapped[:, t] + b_ih
        gh = h @ w_hh.T + b_hh
        i_r, i_z, i_n = gi.chunk(3, dim=1)
        h_r, h_z, h_n = gh.chunk(3, dim=1)
        r = torch.sigmoid(i_r + h_r).detach()
        z = torch.sigmoid(i_z + h_z).detach()
        n_pre = i_n + r * h_n
        n_pre = epsilon_output(n_pre, epsilon)
        n = pass_through(n_pre, torch.tanh(n_pre))
        h_new = (1 - z) * n + z * h
        active = (t < lengths).to(x.device).unsqueeze(1)
        h = torch.where(active, h_new, h)
        outputs.append(torch.where(active, h, torch.zeros_like(h)))
    out = _repack(module, torch.stack(outputs, dim=1), lengths, data)
    return out, h.unsqueeze(0)
