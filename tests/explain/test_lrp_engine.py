"""The LRP engine on whole models: conservation, coverage of every tagger, reversibility."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from jetxai import data
from jetxai.errors import InputError
from jetxai.explain import COMPOSITES, lrp
from jetxai.explain.lrp.engine import ConservationWarning
from jetxai.models import MODELS, build, default_spec, prepare_inputs
from jetxai.models.inputs import fit_standardisation, raw_inputs

from . import _reference


@pytest.fixture
def float64():  # type: ignore[no-untyped-def]
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _no_bias(model: nn.Module) -> nn.Module:
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "bias" in name:
                parameter.zero_()
    return model.eval()


@settings(max_examples=25, deadline=None)
@given(
    widths=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    n_in=st.integers(1, 8),
    seed=st.integers(0, 10_000),
    activation=st.sampled_from([nn.ReLU, nn.Tanh]),
)
def test_epsilon_conserves_relevance_in_bias_free_networks(  # type: ignore[no-untyped-def]
    widths, n_in, seed, activation
) -> None:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    previous = n_in
    for width in widths:
        layers += [nn.Linear(previous, width, bias=False), activation()]
        previous = width
    net = nn.Sequential(*layers, nn.Linear(previous, 1, bias=False), nn.Flatten(0)).double().eval()
    x = torch.randn(6, n_in, dtype=torch.float64)
    _, delta = lrp(net, x, epsilon=1e-12, return_convergence_delta=True)
    scale = net(x).abs() + 1e-3
    # relevance lost only where a neuron's pre-activation is (numerically) zero
    assert torch.all(delta.abs() <= 1e-8 * scale + 1e-9)


XAUG = ["mass", "tau32", "d2"]


@pytest.fixture(scope="module")
def jets(top_dataset: Path):  # type: ignore[no-untyped-def]
    return data.read(top_dataset)[:6]


def _tagger(name: str, jets, xaug: list[str] = XAUG) -> tuple[nn.Module, tuple, tuple]:  # type: ignore[no-untyped-def]
    spec = default_spec(name, xaug, n_constituents=20)
    if spec.image_bins:
        spec.image_bins = 12
    fit_standardisation(spec, raw_inputs(spec, jets))
    torch.manual_seed(4)
    model = build(spec).eval()
    inputs, additional = prepare_inputs(model, jets)
    return model, inputs, additional


@pytest.mark.parametrize("name", list(MODELS))
def test_every_tagger_conserves_relevance_without_biases(float64, jets, name: str) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger(name, jets)
    model = _no_bias(model).double()
    inputs = tuple(t.double() for t in inputs)
    relevance, delta = lrp(
        model,
        inputs,
        additional_forward_args=additional,
        epsilon=1e-12,
        softmax="identity",  # the conservative softmax rule (no effect without attention)
        return_convergence_delta=True,
    )
    assert [r.shape for r in relevance] == [t.shape for t in inputs]
    with torch.no_grad():
        out = model(*inputs, *additional)
    np.testing.assert_allclose(delta.numpy(), 0.0, atol=1e-8 * float(out.abs().max() + 1))
    if additional:  # padded constituent slots receive exactly zero relevance
        mask = additional[0]
        assert torch.all(relevance[0][~mask] == 0)
    assert relevance[-1].abs().sum() > 0  # the XAUG branch receives its share


@pytest.mark.parametrize("name", list(MODELS))
def test_hooks_leave_the_model_unchanged(jets, name: str) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger(name, jets)
    before = model(*inputs, *additional)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    lrp(model, inputs, additional_forward_args=additional, composite="epsilon_plus")
    assert all(not m._forward_hooks for m in model.modules())
    assert all(p.grad is None for p in model.parameters())  # no side effects on gradients
    torch.testing.assert_close(model(*inputs, *additional), before, rtol=0, atol=0)
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("composite", list(COMPOSITES))
def test_every_composite_runs_on_the_cnn(jets, composite: str) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger("cnn", jets)
    relevance = lrp(model, inputs, additional_forward_args=additional, composite=composite)
    assert all(torch.isfinite(r).all() for r in relevance)


def test_lstm_single_step_matches_a_hand_derivation(float64) -> None:  # type: ignore[no-untyped-def]
    # one step from zero state: c = i*g, h = o*tanh(c); gates are constants, tanh passes
    # relevance, so R_h = w_out * h (the head), R_g = R_h, and R_x = epsilon-rule through W_g
    torch.manual_seed(7)
    cell = nn.LSTM(3, 2, batch_first=True, bias=True)
    head = nn.Linear(2, 1, bias=False)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn, self.head = cell, head

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            _, (h, _) = self.rnn(x)
            return self.head(h[-1]).squeeze(-1)

    net = Net().eval()
    x = torch.randn(4, 1, 3)
    relevance = lrp(net, x, epsilon=1e-9)
    W = cell.weight_ih_l0.detach().numpy()
    b = (cell.bias_ih_l0 + cell.bias_hh_l0).detach().numpy()
    xs = x[:, 0].numpy()
    pre = xs @ W.T + b
    i, _, g_pre, o = np.split(pre, 4, axis=1)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    h = sig(o) * np.tanh(sig(i) * np.tanh(g_pre))
    r_h = h * head.weight.detach().numpy()[0]
    Wg = W[4:6]
    expected = xs * ((r_h / (g_pre + 1e-9 * np.where(g_pre >= 0, 1, -1))) @ Wg)
    np.testing.assert_allclose(relevance[:, 0].numpy(), expected, rtol=1e-7)


def test_batchnorm_is_folded_reversibly(float64) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(3)
    net = nn.Sequential(
        nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 1), nn.Flatten(0)
    )
    net[1].running_mean.uniform_(-1, 1)
    net[1].running_var.uniform_(0.5, 2)
    net.eval()
    folded = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 1), nn.Flatten(0)).eval()
    scale = net[1].weight / torch.sqrt(net[1].running_var + net[1].eps)
    with torch.no_grad():
        folded[0].weight.copy_(net[0].weight * scale[:, None])
        folded[0].bias.copy_(scale * (net[0].bias - net[1].running_mean) + net[1].bias)
        folded[2].load_state_dict(net[3].state_dict())
    x = torch.randn(6, 4)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    torch.testing.assert_close(lrp(net, x, epsilon=1e-3), lrp(folded, x, epsilon=1e-3))
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_targets_for_multi_output_models(float64) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(5)
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 3, bias=False)).eval()
    x = torch.randn(5, 3)
    out = net(x)
    for target in (0, 2):
        relevance = lrp(net, x, target=target, epsilon=1e-12)
        torch.testing.assert_close(relevance.sum(dim=1), out[:, target])
    per_sample = torch.tensor([0, 1, 2, 1, 0])
    relevance = lrp(net, x, target=per_sample, epsilon=1e-12)
    torch.testing.assert_close(relevance.sum(dim=1), out.gather(1, per_sample[:, None])[:, 0])
    predicted = lrp(net, x, epsilon=1e-12)
    torch.testing.assert_close(predicted.sum(dim=1), out.max(dim=1).values)


def test_errors() -> None:
    net = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0))
    x = torch.randn(3, 2)
    with pytest.raises(ValueError, match="eval mode"):
        lrp(net.train(), x)
    net.eval()
    with pytest.raises(InputError, match="unknown composite"):
        lrp(net, x, composite="magic")
    with pytest.raises(InputError, match="takes epsilon"):
        lrp(net, x, composite="epsilon", gamma=0.5)

    class Scale(nn.Module):  # a parameterised layer LRP has no rule for
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.ones(2))

        def forward(self, v: torch.Tensor) -> torch.Tensor:
            return v * self.weight

    with pytest.raises(InputError, match=r"does not cover module '0' \(Scale\)"):
        lrp(nn.Sequential(Scale()).eval(), x)
    with pytest.raises(InputError, match="floating point"):
        lrp(net, torch.tensor([[1, 2]]))


#: Composites with a first-layer rule, and the rule's matrix form in tests/explain/_reference.py.
FIRST_LAYER = {
    "epsilon_flat": lambda a, W, b, R: _reference.flat(a, W, b, R),
    "epsilon_wsquare": lambda a, W, b, R: _reference.w_square(a, W, b, R),
    "epsilon_gamma_box": lambda a, W, b, R: _reference.z_box(a, W, b, R, 0.0, 1.0, 1e-9),
}


@pytest.mark.parametrize("composite", list(FIRST_LAYER))
@pytest.mark.parametrize("name", list(MODELS))
def test_first_layer_rules_fire_on_every_model(float64, jets, name: str, composite: str) -> None:  # type: ignore[no-untyped-def]
    # the dnn's first Linear reads a concatenation, the efn's a slice, the lstm/gru's a packed
    # sequence: each is found by data flow, and the rule changes the first-layer relevance
    model, inputs, additional = _tagger(name, jets)
    model = _no_bias(model).double()
    inputs = tuple(t.double() for t in inputs)
    plain = lrp(model, inputs, additional_forward_args=additional, epsilon=1e-12)
    ruled, delta = lrp(
        model,
        inputs,
        additional_forward_args=additional,
        composite=composite,
        epsilon=1e-12,
        softmax="identity",
        return_convergence_delta=True,
    )
    assert not torch.allclose(ruled[0], plain[0])
    with torch.no_grad():
        out = model(*inputs, *additional)
    # the rules conserve relevance on the bias-free model (z^B up to its stabiliser)
    np.testing.assert_allclose(delta.numpy(), 0.0, atol=1e-6 * float(out.abs().max() + 1))
    if additional:
        assert torch.all(ruled[0][~additional[0]] == 0)


@pytest.mark.parametrize("composite", list(FIRST_LAYER))
def test_dnn_first_layer_rules_equal_the_matrix_form(float64, jets, composite: str) -> None:  # type: ignore[no-untyped-def]
    model, (x,), _ = _tagger("dnn", jets)
    model = model.double()
    x = x.double()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    weights = [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in linears]
    activations = [x.numpy()]
    for W, b in weights[:-1]:
        activations.append(np.maximum(activations[-1] @ W.T + b, 0.0))
    W, b = weights[-1]
    relevance = activations[-1] @ W.T + b  # the logit
    for (W, b), a in zip(weights[:0:-1], activations[:0:-1], strict=True):
        relevance = _reference.epsilon(a, W, b, relevance, 1e-6)
    expected = FIRST_LAYER[composite](activations[0], *weights[0], relevance)
    got = lrp(model, x, composite=composite)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9, atol=1e-12)


def test_in_place_relu_after_an_epsilon_layer(float64) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(3)
    layers = [nn.Linear(4, 5), nn.ReLU(inplace=True), nn.Linear(5, 3), nn.ReLU(inplace=True)]
    net = nn.Sequential(*layers, nn.Linear(3, 1), nn.Flatten(0)).eval()
    copy = nn.Sequential(*(nn.ReLU() if isinstance(m, nn.ReLU) else m for m in net)).eval()
    x = torch.randn(6, 4)
    for composite in ("epsilon", "epsilon_flat", "gamma"):
        torch.testing.assert_close(
            lrp(net, x, composite=composite), lrp(copy, x, composite=composite), rtol=0, atol=0
        )


class _Nearest(nn.Module):
    """A parameter-free k-NN gather (the kind of layer LRP cannot see into)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        index = torch.cdist(x, x).topk(2, largest=False).indices[:, :, 1]
        return torch.gather(x, 1, index.unsqueeze(-1).expand_as(x))


class _Attention(nn.Module):
    """Self-attention written inline: its products are invisible to a module walk."""

    def __init__(self) -> None:
        super().__init__()
        self.query, self.key, self.value = nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 3)
        self.out = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = (self.query(x) @ self.key(x).transpose(1, 2)).softmax(dim=-1)
        return self.out((weights @ self.value(x)).sum(dim=1)).squeeze(-1)


class _Wrapped(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layer(x, x, x)[0] if isinstance(self.layer, nn.MultiheadAttention) else x
        return out.sum(dim=(1, 2))


def test_uncovered_modules_are_named_before_running() -> None:
    x = torch.randn(4, 5, 3)
    # plain MultiheadAttention is covered (tests/explain/test_lrp_multihead.py); with learned
    # key / value biases it is not
    attention = nn.MultiheadAttention(3, 1, add_bias_kv=True, batch_first=True)
    with pytest.raises(InputError, match=r"module 'layer' \(MultiheadAttention with bias_k"):
        lrp(_Wrapped(attention).eval(), x)
    gather = nn.Sequential(nn.Linear(3, 3), _Nearest(), nn.Flatten(1), nn.Linear(15, 1)).eval()
    with pytest.raises(InputError, match=r"module '1' \(_Nearest\)"):
        lrp(gather, x)
    deep = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    with pytest.raises(InputError, match=r"module 'layer' \(LSTM with 2 layers"):
        lrp(_Wrapped(deep).eval(), x)


def test_a_leaking_model_gets_a_conservation_warning() -> None:
    torch.manual_seed(0)
    with pytest.warns(ConservationWarning, match=r"\|f − ΣR\| / mean \|f\| = "):
        lrp(_Attention().eval(), torch.randn(4, 5, 3))


@pytest.mark.parametrize("name", list(MODELS))
def test_covered_models_pass_the_conservation_check_silently(jets, name: str) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger(name, jets)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConservationWarning)
        lrp(model, inputs, additional_forward_args=additional, composite="epsilon_gamma_box")


def test_a_registered_elementwise_module_is_covered() -> None:
    from jetxai.explain.lrp import LAYER_RULES, register_elementwise

    class Swish(nn.Module):
        def forward(self, v: torch.Tensor) -> torch.Tensor:
            return v * torch.sigmoid(v)

    torch.manual_seed(2)
    net = nn.Sequential(
        nn.Linear(4, 6, bias=False), Swish(), nn.Linear(6, 1, bias=False), nn.Flatten(0)
    )
    x = torch.randn(5, 4, dtype=torch.float64)
    with pytest.raises(InputError, match=r"module '1' \(Swish\).*register_elementwise"):
        lrp(net.double().eval(), x)
    register_elementwise(Swish)
    try:
        _, delta = lrp(net, x, epsilon=1e-12, return_convergence_delta=True)
        assert torch.allclose(delta, torch.zeros_like(delta), atol=1e-9)  # passes, conserved
    finally:
        del LAYER_RULES[Swish]


class _SplitHead(nn.Module):
    """A :class:`~jetxai.models.layers.Head` whose first dense layer is written as two layers
    and a sum: the latent vector's part (with the bias) and the XAUGs' part, a first layer of
    its own — the reference for a first-layer rule on XAUGs concatenated with a latent vector."""

    def __init__(self, head: nn.Module) -> None:
        from jetxai.models.layers import Add

        super().__init__()
        first = head.dense[0]
        n_latent = first.in_features - head.n_xaug
        self.latent = nn.Linear(n_latent, first.out_features).double()
        self.xaug = nn.Linear(head.n_xaug, first.out_features, bias=False).double()
        with torch.no_grad():
            self.latent.weight.copy_(first.weight[:, :n_latent])
            self.latent.bias.copy_(first.bias)
            self.xaug.weight.copy_(first.weight[:, n_latent:])
        self.add, self.rest = Add(), head.dense[1:]

    def forward(self, latent: torch.Tensor, xaug: torch.Tensor) -> torch.Tensor:
        return self.rest(self.add(self.latent(latent), self.xaug(xaug))).squeeze(-1)


@pytest.mark.parametrize("composite", list(FIRST_LAYER))
@pytest.mark.parametrize("name", ["pfn", "cnn"])
def test_first_layer_rules_reach_xaugs_concatenated_with_a_latent_vector(  # type: ignore[no-untyped-def]
    float64, jets, name: str, composite: str
) -> None:
    """The XAUGs enter the head beside the latent vector; the composite's first-layer rule
    applies to their block of that layer exactly as if it were a layer of its own."""
    import copy

    model, inputs, additional = _tagger(name, jets)
    model = model.double()
    inputs = tuple(t.double() for t in inputs)
    reference = copy.deepcopy(model)
    reference.head = _SplitHead(model.head)
    with torch.no_grad():
        torch.testing.assert_close(reference(*inputs, *additional), model(*inputs, *additional))
    options = {"additional_forward_args": additional, "composite": composite}
    got = lrp(model, inputs, **options)
    expected = lrp(reference, inputs, **options)
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-9, atol=1e-12)
    plain = lrp(model, inputs, additional_forward_args=additional)
    assert not torch.allclose(got[-1], plain[-1])  # the rule did change the XAUG relevance


class _TwoBranches(nn.Module):
    """f(x) = a·x + b·x through an :class:`~jetxai.models.layers.Add`, b = −(1 − 1/c) a + a
    small independent part: the branches cancel more as c grows."""

    def __init__(self, cancel: float) -> None:
        from jetxai.models.layers import Add

        super().__init__()
        torch.manual_seed(8)
        self.a, self.b, self.add = nn.Linear(3, 1, bias=False), nn.Linear(3, 1, bias=False), Add()
        with torch.no_grad():
            self.b.weight.copy_(-(1 - 1 / cancel) * self.a.weight + 0.01 * torch.randn(1, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.add(self.a(x), self.b(x)).squeeze(-1)


@pytest.mark.parametrize("cancel", [1.5, 100.0])
def test_a_sum_whose_branches_cancel_is_measured_and_named(float64, cancel: float) -> None:  # type: ignore[no-untyped-def]
    """The amplification of a sum is Σ_i |z_i| / (|z| + ε) weighted by the relevance |R| = |z|
    at the output, from the two branches computed apart (ε = 1e-6, the composite's)."""
    from jetxai.explain.lrp import CancellationWarning
    from jetxai.explain.lrp.engine import lrp_decomposition

    model = _TwoBranches(cancel).double().eval()
    x = torch.randn(50, 3, dtype=torch.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decomposition = lrp_decomposition(model, x)
    with torch.no_grad():
        za, zb = model.a(x).squeeze(-1), model.b(x).squeeze(-1)
    z = (za + zb).abs()
    expected = float((z * (za.abs() + zb.abs()) / (z + 1e-6)).sum() / z.sum())
    assert decomposition.amplification["add"] == pytest.approx(expected, rel=1e-9)
    named = [w for w in caught if issubclass(w.category, CancellationWarning)]
    if expected > 10:
        assert len(named) == 1
        assert f"add ({expected:.3g}x)" in str(named[0].message)
    else:
        assert not named
