"""Random numbers of a run: one independent stream per purpose and object (common random numbers).

Each stream is seeded from the run's seed and the object's id (a stable hash of
the purpose and the id, through :class:`numpy.random.SeedSequence`), not from
the order in which events happen. Two scenarios that differ only in
infrastructure therefore see the same trains leave at the same times, the same
dwell draws at a crossing and the same storms on a ferry link: a before/after
difference is paired, and an added flow or line elsewhere shifts no other
object's draws.

Purposes (see :data:`PURPOSES`): ``arrivals`` per flow, ``dwell`` and
``clearance`` per border crossing and direction, ``weather`` per ferry link.
"""

from __future__ import annotations

import hashlib

import numpy as np

#: What each stream draws, and for which object.
PURPOSES = {
    "arrivals": "inter-arrival gaps and thinning of one flow (object: the flow id)",
    "dwell": "border dwell times of one crossing in one direction (object: 'link id/ab' or 'link id/ba')",
    "clearance": "clearance holds of one crossing in one direction (object: 'link id/ab' or 'link id/ba')",
    "weather": "calm spells and storms of one ferry link (object: the link id)",
}


def _words(text: str) -> list[int]:
    """Four 32-bit words of the SHA-256 of ``text``: a stable, platform-independent id hash."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]


class Streams:
    """The random streams of one run, created on first use and cached.

    Parameters
    ----------
    seed
        The run's seed (``settings.seed``, 0 to 2**32 - 1).

    Examples
    --------
    >>> s = Streams(2023)
    >>> a = s.get("arrivals", "kz-cn-grain").random()
    >>> a == Streams(2023).get("arrivals", "kz-cn-grain").random()
    True
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._made: dict[tuple[str, str], np.random.Generator] = {}

    def get(self, purpose: str, obj: str) -> np.random.Generator:
        """Return the stream of ``purpose`` for object ``obj``.

        Parameters
        ----------
        purpose
            A key of :data:`PURPOSES`.
        obj
            The object's id.

        Returns
        -------
        numpy.random.Generator
            The same stream for the same seed, purpose and id, whatever else the run holds.

        Raises
        ------
        KeyError
            For a purpose not in :data:`PURPOSES` (a typo would silently share a stream).
        """
        if purpose not in PURPOSES:
            raise KeyError(f"unknown random stream purpose {purpose!r}, expected one of {sorted(PURPOSES)}")
        key = (purpose, obj)
        gen = self._made.get(key)
        if gen is None:
            entropy = [self.seed, *_words(f"{purpose}\0{obj}")]
            gen = self._made[key] = np.random.default_rng(np.random.SeedSequence(entropy))
        return gen
