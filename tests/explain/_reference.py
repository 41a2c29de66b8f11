"""Matrix-form LRP rules in numpy (float64): the independent reference for the engine.

Each function maps (input activations a: (N, I), weights W: (J, I), bias b: (J,), upstream
relevance R: (N, J)) to input relevance (N, I), straight from the rule's formula.
"""

from __future__ import annotations

import numpy as np


def _sign0(z: np.ndarray) -> np.ndarray:
    return np.where(z >= 0, 1.0, -1.0)


def epsilon(a, W, b, R, eps):  # type: ignore[no-untyped-def]
    z = a @ W.T + b
    return a * ((R / (z + eps * _sign0(z))) @ W)


def gamma(a, W, b, R, g, eps):  # type: ignore[no-untyped-def]
    Wg, bg = W + g * np.clip(W, 0, None), b + g * np.clip(b, 0, None)
    z = a @ Wg.T + bg
    return a * ((R / (z + eps * _sign0(z))) @ Wg)


def alpha_beta(a, W, b, R, alpha, beta, eps):  # type: ignore[no-untyped-def]
    ap, an = np.clip(a, 0, None), np.clip(a, None, 0)
    Wp, Wn = np.clip(W, 0, None), np.clip(W, None, 0)
    zp = ap @ Wp.T + an @ Wn.T
    zn = ap @ Wn.T + an @ Wp.T
    sp = R / (zp + eps * _sign0(zp))
    sn = R / (zn + eps * _sign0(zn))
    positive = ap * (sp @ Wp) + an * (sp @ Wn)
    negative = ap * (sn @ Wn) + an * (sn @ Wp)
    return alpha * positive - beta * negative


def flat(a, W, b, R):  # type: ignore[no-untyped-def]
    fan_in = np.ones_like(a) @ np.ones_like(W).T
    return (R / fan_in) @ np.ones_like(W)


def w_square(a, W, b, R):  # type: ignore[no-untyped-def]
    W2 = W**2
    return (R / W2.sum(axis=1)) @ W2


def z_box(a, W, b, R, low, high, eps):  # type: ignore[no-untyped-def]
    Wp, Wn = np.clip(W, 0, None), np.clip(W, None, 0)
    lo, hi = np.full_like(a, low), np.full_like(a, high)
    z = a @ W.T - lo @ Wp.T - hi @ Wn.T
    s = R / (z + eps * _sign0(z))
    return a * (s @ W) - lo * (s @ Wp) - hi * (s @ Wn)
