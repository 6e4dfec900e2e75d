"""Random numbers of a run.

Today a run draws every random number (inter-arrival gaps, border dwells,
storms) from one generator seeded with the scenario's seed, in the order the
events happen; :func:`run_rng` creates it. Keeping its creation here leaves one
place to change when streams are split per object.
"""

from __future__ import annotations

import numpy as np


def run_rng(seed: int) -> np.random.Generator:
    """Create the run's random number generator.

    Parameters
    ----------
    seed
        The scenario's seed (``settings.seed``).

    Returns
    -------
    numpy.random.Generator
        ``numpy.random.default_rng(seed)``: the same seed gives the same run.
    """
    return np.random.default_rng(seed)
