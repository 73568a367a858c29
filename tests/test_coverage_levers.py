"""The pieces of the coverage-levers table: the cross-fitted temperature and the equal-weight combinations."""

import numpy as np
import pytest

from astrokeras.reproduce.coverage_levers import _combined, fit_temperature, tempered


def test_the_fitted_temperature_recovers_the_one_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (4000, 5))
    true = np.exp(logits / 2.0)
    true /= true.sum(1, keepdims=True)
    y = np.array([rng.choice(5, p=p) for p in true])
    overconfident = np.exp(logits)
    overconfident /= overconfident.sum(1, keepdims=True)
    t = fit_temperature(overconfident, y)
    assert t == pytest.approx(2.0, rel=0.1)
    np.testing.assert_allclose(tempered(overconfident, t).sum(1), 1.0)
    assert tempered(overconfident, t).argmax(1).tolist() == overconfident.argmax(1).tolist()  # order kept


def test_the_combinations_are_probabilities_and_agree_where_both_do():
    a = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    b = np.array([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1]])
    for how in ("geometric", "arithmetic"):
        P = _combined(a, b, how)
        np.testing.assert_allclose(P.sum(1), 1.0)
        assert P[0].argmax() == 0
    np.testing.assert_allclose(_combined(a, a, "geometric"), a)
