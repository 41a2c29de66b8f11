"""Explaining one logit of a multi-class tagger: the folded binary copy gives exactly z_k or
z_X − z_Y; IG of class k equals Captum's IG with target = k; LRP of a contrast equals the
ε-rule worked out by hand in numpy on the two classes' weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jetxai.errors import InputError
from jetxai.explain import integrated_gradients, lrp
from jetxai.explain.targets import fold, logits_to_explain
from jetxai.models import build, default_spec

CLASSES = ["qcd", "top", "w"]


def _tagger(name: str, **options: object) -> torch.nn.Module:
    torch.manual_seed(7)
    spec = default_spec(name, ["mass", "tau32", "d2"], n_constituents=12)
    spec.classes, spec.options = list(CLASSES), dict(options)
    return build(spec).double().eval()


def _inputs(model: torch.nn.Module, n: int = 6) -> tuple[tuple[torch.Tensor, ...], tuple]:
    from jetxai.export import onnx_inputs

    arrays = onnx_inputs(model, n)
    tensors = [torch.from_numpy(v) for v in arrays.values()]
    tensors = [t.double() if t.is_floating_point() else t for t in tensors]
    masks = tuple(t for t in tensors if t.dtype == torch.bool)
    return tuple(t for t in tensors if t.dtype != torch.bool), masks


@pytest.mark.parametrize("name", ["dnn", "pfn", "part", "particlenet", "lstm"])
def test_the_folded_copy_gives_the_chosen_logit(name: str) -> None:
    model = _tagger(name)
    inputs, masks = _inputs(model)
    with torch.no_grad():
        z = model(*inputs, *masks)
        contrast = logits_to_explain(CLASSES, contrast=["w", "top"])
        for logit in logits_to_explain(CLASSES) + contrast:
            got = fold(model, logit)(*inputs, *masks)
            other = z[:, logit.negative] if logit.negative is not None else 0.0
            want = z[:, logit.positive] - other
            torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    assert fold(model, logit).spec.classes == []
    assert model.spec.classes == CLASSES  # the tagger itself is untouched


def test_ig_of_one_class_is_captums_with_that_target() -> None:
    captum = pytest.importorskip("captum.attr")
    model = _tagger("dnn", hidden=[16, 8])
    (x,), _ = _inputs(model, 10)
    baseline = torch.zeros(1, x.shape[1], dtype=x.dtype)
    for logit in logits_to_explain(CLASSES):
        ours = integrated_gradients(
            fold(model, logit), x, baselines=baseline, n_steps=32, method="gausslegendre"
        )
        reference = captum.IntegratedGradients(model).attribute(
            x, baselines=baseline.expand_as(x), target=logit.positive, n_steps=32,
            method="gausslegendre",
        )  # fmt: skip
        # Captum's quadrature weights are float32: agreement at that rounding
        torch.testing.assert_close(ours, reference, rtol=1e-6, atol=1e-9)


def test_lrp_of_a_contrast_is_the_epsilon_rule_by_hand() -> None:
    model = _tagger("dnn", hidden=[8])
    (x,), _ = _inputs(model, 5)
    (logit,) = logits_to_explain(CLASSES, contrast=["top", "w"])
    epsilon = 1e-3
    ours = lrp(fold(model, logit), x, composite="epsilon", epsilon=epsilon)
    first, last = (m for m in model.head.dense if isinstance(m, torch.nn.Linear))
    w1, b1 = first.weight.detach().numpy(), first.bias.detach().numpy()
    w2 = (last.weight[1] - last.weight[2]).detach().numpy()
    b2 = float((last.bias[1] - last.bias[2]).detach())

    def stabilise(z: np.ndarray) -> np.ndarray:
        return z + epsilon * np.where(z >= 0, 1.0, -1.0)

    a0 = x.numpy()
    z1 = a0 @ w1.T + b1
    a1 = np.maximum(z1, 0.0)
    f = a1 @ w2 + b2  # the contrast z_top − z_w, all of it the output's relevance
    r1 = a1 * w2 * (f / stabilise(f))[:, None]
    r0 = a0 * ((r1 / stabilise(z1)) @ w1)
    np.testing.assert_allclose(ours.numpy(), r0, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("target", "contrast", "phrase"),
    [
        ("higgs", None, "unknown class 'higgs'"),
        ("7", None, "unknown class '7'"),
        (None, ["top"], "names two classes"),
        (None, ["top", "top"], "two different classes"),
        ("top", ["top", "w"], "not both"),
    ],
)
def test_bad_choices_of_logit_are_refused(target, contrast, phrase: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=phrase):
        logits_to_explain(CLASSES, target, contrast)


def test_a_class_is_chosen_by_name_or_index() -> None:
    assert logits_to_explain(CLASSES, "2")[0].name == "w"
    assert logits_to_explain(CLASSES, "top")[0].positive == 1
    assert logits_to_explain(CLASSES, contrast=["w", "qcd"])[0].name == "w-vs-qcd"
