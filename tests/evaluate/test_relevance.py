"""Relevance summaries on hand-made relevance arrays."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.evaluate import (
    branch_share,
    constituent_profile,
    ensemble_ranking,
    mean_images,
    xaug_ranking,
)


def test_branch_share() -> None:
    low = np.array([[[1.0, -1.0]], [[0.0, 0.0]], [[0.0, 0.0]]])  # |R| sums 2, 0, 0
    xaug = np.array([[2.0, 0.0], [-3.0, 1.0], [0.0, 0.0]])  # |R| sums 2, 4, 0
    np.testing.assert_allclose(branch_share(low, xaug), [0.5, 1.0, 0.0])


def test_ranking_orders_by_mean_abs_relevance_per_class() -> None:
    relevance = np.array([[1.0, -4.0, 0.5], [3.0, 0.0, 0.5], [-1.0, 2.0, 0.5]])
    labels = np.array([1, 1, 0])
    ranking = xaug_ranking(relevance, ["a", "b", "c"], labels)
    assert ranking["order"] == ["b", "a", "c"]  # mean |R|: a 5/3, b 2, c 1/2
    scores = ranking["mean_abs_relevance"]
    assert scores["b"]["all"] == pytest.approx(2.0)
    assert scores["a"]["all"] == pytest.approx(5 / 3)
    assert scores["a"]["signal"] == pytest.approx(2.0)
    assert scores["b"]["background"] == pytest.approx(2.0)


def test_ensemble_ranking_normalises_each_seed() -> None:
    seed_a = xaug_ranking(np.array([[3.0, 1.0]]), ["x", "y"], np.array([1]))
    seed_b = xaug_ranking(np.array([[10.0, 10.0]]), ["x", "y"], np.array([1]))
    combined = ensemble_ranking([seed_a, seed_b])
    assert combined["order"] == ["x", "y"]
    assert combined["share"]["all"]["x"]["mean"] == pytest.approx((0.75 + 0.5) / 2)
    assert combined["share"]["all"]["x"]["std"] == pytest.approx(np.std([0.75, 0.5], ddof=1))


def test_images_and_profiles() -> None:
    images = np.arange(8, dtype=float).reshape(2, 1, 2, 2)
    means = mean_images(images, np.array([1, 0]))
    np.testing.assert_allclose(means["difference"], images[0] - images[1])
    relevance = np.array([[[1.0, 1.0], [3.0, 0.0], [9.0, 9.0]]])  # per constituent 2, 3, (padding)
    mask = np.array([[True, True, False]])
    dr = np.array([[0.05, 0.25, 0.05]])
    profile = constituent_profile(relevance, mask, dr, [0.0, 0.1, 0.2, 0.3])
    assert profile["mean_relevance"] == [2.0, 0.0, 3.0]
    assert profile["counts"] == [1, 0, 1]


def test_subjet_shares_split_each_jets_relevance() -> None:
    from jetxai.evaluate.relevance import subjet_shares

    relevance = np.array([[3.0, -1.0, 4.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
    membership = np.array([[0, 0, 1, -1], [1, 1, -1, -1]])
    shares = subjet_shares(relevance, membership, labels=np.array([1, 0]), n_subjets=2)
    # jet 0: |3| + |−1| = 4 of 8 in subjet 1, 4 of 8 in subjet 2; jet 1: all in subjet 2
    assert shares["subjet_1"] == {"all": 0.25, "signal": 0.5, "background": 0.0}
    assert shares["subjet_2"] == {"all": 0.75, "signal": 0.5, "background": 1.0}


def test_feature_shares_and_eta_phi_maps_by_hand() -> None:
    from jetxai.evaluate.relevance import eta_phi_map, feature_shares

    # two jets, two constituent slots, two features
    relevance = np.array([[[1.0, -3.0], [0.0, 0.0]], [[2.0, 0.0], [-2.0, 0.0]]])
    shares = feature_shares(relevance, ["log_pt", "deta"], np.array([1, 0]))
    assert shares["log_pt"] == {"all": 0.625, "signal": 0.25, "background": 1.0}
    assert shares["deta"]["signal"] == 0.75
    per_constituent = relevance.sum(axis=-1)  # [[-2, 0], [2, -2]]
    mask = np.array([[True, False], [True, True]])
    deta = np.array([[0.1, 0.0], [-0.1, 0.1]])
    dphi = np.array([[0.1, 0.0], [0.1, 0.1]])
    maps = eta_phi_map(per_constituent, mask, deta, dphi, np.array([1, 0]), [-0.2, 0.0, 0.2])
    assert maps["signal"] == [[0.0, 0.0], [0.0, -2.0]]  # one signal jet: its constituent
    assert maps["background"] == [[0.0, 2.0], [0.0, -2.0]]
    signed = xaug_ranking(np.array([[1.0], [-3.0]]), ["tau32"], np.array([1, 0]))
    assert signed["mean_relevance"]["tau32"] == {"all": -1.0, "signal": 1.0, "background": -3.0}
    assert signed["mean_abs_relevance"]["tau32"]["all"] == 2.0


def test_the_share_intervals_are_the_bootstrap_percentiles_and_resolve_separated_shares() -> None:
    from jetxai.evaluate.relevance import BOOTSTRAP, share_intervals

    generator = np.random.default_rng(5)
    r = np.abs(generator.normal(size=(300, 3))) * np.array([3.0, 1.0, 1.0])
    r[:, 2] = r[::-1, 1] * 0.999  # c: b's values on other jets, a hair smaller
    intervals = share_intervals(r)
    # the reference: the same Poisson(1) weights of every jet in each resample, the shares
    # written out resample by resample
    weights = np.random.default_rng(0).poisson(1.0, size=(300, BOOTSTRAP))
    shares = np.array([(w[:, None] * r).sum(axis=0) / (w[:, None] * r).sum() for w in weights.T])
    np.testing.assert_allclose(intervals[:, 0], np.percentile(shares, 16, axis=0), rtol=1e-12)
    np.testing.assert_allclose(intervals[:, 1], np.percentile(shares, 84, axis=0), rtol=1e-12)
    share = r.sum(axis=0) / r.sum()
    assert np.all((intervals[:, 0] <= share) & (share <= intervals[:, 1]))
    same = share_intervals(np.ones((50, 2)))  # identical jets: no spread at all
    np.testing.assert_allclose(same, [[0.5, 0.5], [0.5, 0.5]])
    ranking = xaug_ranking(r, ["a", "b", "c"], np.zeros(300))
    combined = ensemble_ranking([ranking, ranking])
    assert combined["order"] == ["a", "b", "c"]
    # a (3×) stands apart; b and c (the same values on other jets) overlap: not resolved
    assert combined["resolved"] == [True, False, False]
    assert combined["seed_rank_correlation"] == 1.0


def test_the_seeds_rank_correlation_is_kendalls_tau() -> None:
    from itertools import combinations

    from jetxai.evaluate.relevance import kendall_tau

    first, second = ["a", "b", "c", "d"], ["b", "a", "d", "c"]
    # by hand: of the 6 pairs, (a, b) and (c, d) swap: (4 − 2) / 6
    assert kendall_tau(first, second) == 1 / 3
    assert kendall_tau(first, first[::-1]) == -1.0
    concordant = sum(
        (first.index(x) < first.index(y)) == (second.index(x) < second.index(y))
        for x, y in combinations(first, 2)
    )
    assert kendall_tau(first, second) == (2 * concordant - 6) / 6
    one = xaug_ranking(np.array([[3.0, 1.0]]), ["x", "y"], np.array([1]))
    other = xaug_ranking(np.array([[1.0, 3.0]]), ["x", "y"], np.array([1]))
    assert ensemble_ranking([one, other])["seed_rank_correlation"] == -1.0
    assert ensemble_ranking([one])["seed_rank_correlation"] is None


def test_a_position_the_seeds_disagree_on_is_not_resolved_however_many_jets() -> None:
    """Two seeds whose shares of a and b differ by more than the jets' intervals: the seed
    spread (in quadrature with the interval) leaves the top two unresolved."""
    generator = np.random.default_rng(2)
    base = np.abs(generator.normal(size=(2000, 3)))
    first = xaug_ranking(base * np.array([1.2, 1.0, 0.2]), ["a", "b", "c"], np.zeros(2000))
    second = xaug_ranking(base * np.array([1.0, 1.1, 0.2]), ["a", "b", "c"], np.zeros(2000))
    combined = ensemble_ranking([first, second])
    low_a, high_a = combined["share_interval"]["a"]
    low_b, high_b = combined["share_interval"]["b"]
    assert high_b < low_a or high_a < low_b  # the jets alone would tell them apart
    assert combined["resolved"] == [False, False, True]


def test_the_share_bootstrap_does_not_depend_on_the_chunking() -> None:
    """Jets added in uneven chunks draw the same weights as all at once (one stream, jet after
    jet), so a streamed explanation's intervals equal the one-shot ones."""
    from jetxai.evaluate.relevance import ShareBootstrap, share_intervals

    r = np.abs(np.random.default_rng(7).normal(size=(101, 4)))
    chunked = ShareBootstrap()
    for a, b in ((0, 10), (10, 11), (11, 101)):
        chunked.add(r[a:b])
    np.testing.assert_allclose(chunked.intervals(), share_intervals(r), rtol=1e-12)
