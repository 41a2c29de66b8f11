"""Quadratures: exactness on polynomials and a lookup that rejects unknown names."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.explain.quadrature import QUADRATURES, nodes


@pytest.mark.parametrize("method", list(QUADRATURES))
def test_weights_sum_to_one_and_nodes_in_unit_interval(method: str) -> None:
    alphas, weights = nodes(method, 7)
    assert weights.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.all((alphas >= 0) & (alphas <= 1))


def test_exactness() -> None:
    # Gauss-Legendre with n points integrates degree 2n-1 exactly: int_0^1 a^5 = 1/6 with n = 3
    alphas, weights = nodes("gausslegendre", 3)
    assert weights @ alphas**5 == pytest.approx(1 / 6, abs=1e-14)
    # the midpoint and trapezoid rules are exact for linear functions
    for method in ("riemann_middle", "riemann_trapezoid"):
        alphas, weights = nodes(method, 4)
        assert weights @ (3 * alphas + 1) == pytest.approx(2.5, abs=1e-14)
    # left and right sums of a^1 with n points: (n-1)/2n and (n+1)/2n
    assert nodes("riemann_left", 4)[1] @ nodes("riemann_left", 4)[0] == pytest.approx(3 / 8)
    assert nodes("riemann_right", 4)[1] @ nodes("riemann_right", 4)[0] == pytest.approx(5 / 8)


def test_unknown_and_bad_counts() -> None:
    with pytest.raises(InputError, match="unknown quadrature"):
        nodes("simpson", 4)
    with pytest.raises(InputError, match="at least 1"):
        nodes("gausslegendre", 0)
