"""PDG charges against Pythia 8's own particle table (an independent reference)."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.data.pdg import charge

# Final-state particles Pythia produces, plus a spread of hadrons that exercise the scheme's
# meson sign rule and baryon sums (charm, bottom, strange, excited states).
IDS = [
    11,
    12,
    13,
    14,
    15,
    16,
    22,
    24,
    111,
    113,
    130,
    211,
    213,
    221,
    310,
    311,
    313,
    321,
    323,
    331,
    411,
    413,
    421,
    431,
    443,
    511,
    521,
    531,
    541,
    553,
    2112,
    2212,
    2214,
    2224,
    3112,
    3122,
    3212,
    3222,
    3312,
    3322,
    3334,
    4122,
    4132,
    4232,
    4332,
    5122,
    5132,
    5232,
    5332,
    1114,
    20213,
    10321,
]


@pytest.fixture(scope="module")
def particle_data():  # type: ignore[no-untyped-def]
    pythia8mc = pytest.importorskip("pythia8mc")
    return pythia8mc.Pythia("", False).particleData


def test_charge_matches_pythia_particle_data(particle_data) -> None:  # type: ignore[no-untyped-def]
    ids = np.array(IDS + [-i for i in IDS])
    expected = np.array([round(particle_data.charge(int(i))) for i in ids])
    np.testing.assert_array_equal(charge(ids), expected)


def test_charge_keeps_shape_and_handles_unknown_ids() -> None:
    result = charge(np.array([[211, -211], [0, 1000020040]]))
    assert result.shape == (2, 2)
    np.testing.assert_array_equal(result, [[1, -1], [0, 0]])
