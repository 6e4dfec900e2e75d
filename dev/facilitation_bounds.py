"""Print the LP bound of each facilitation overlay and each track project alone, against baseline-2023.

Usage (from the project folder, in its environment)::

    python dev/facilitation_bounds.py

For each overlay of ``scenarios/sweeps/facilitation-vs-track.yaml``, alone on
``scenarios/baseline-2023.yaml``, and for the six facilitation overlays and the
four track projects together, it prints the LP max-flow bound
(:func:`corridors.bound.region_bounds`) to and from China and Europe, Mt/yr, with
its change against the baseline, and the elements that bind the bound to China.
It simulates nothing (a few seconds) and writes nothing; the same bounds are the
``bound_mt`` columns of the sweep. ``docs/facilitation.md`` quotes its output.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from corridors.bound import region_bounds
from corridors.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1] / "scenarios"
FACILITATION = ("dostyk-exchange-28", "altynkol-exchange-15", "china-import-clearance-2025",
                "e-transit-pre-arrival", "joint-control-saryagash", "grain-priority-lane")
TRACK = ("dostyk-moyinty-2nd-track", "bakhty-ayagoz", "darbaza-maktaaral", "almaty-bypass")
#: The markets printed: region, direction, column head.
MARKETS = (("China", "inbound", "to China"), ("China", "outbound", "from China"),
           ("Europe", "inbound", "to Europe"), ("Europe", "outbound", "from Europe"))


def bounds(overlays: tuple[str, ...], folder: Path) -> dict:
    """Return the region bounds of baseline-2023 with ``overlays`` (file stems) applied.

    Parameters
    ----------
    overlays
        Overlay file stems under ``scenarios/overlays``, in order; empty for the baseline.
    folder
        Where the combining scenario file is written.
    """
    files = [ROOT / "baseline-2023.yaml", *(ROOT / "overlays" / f"{o}.yaml" for o in overlays)]
    path = folder / f"point-{len(list(folder.iterdir()))}.yaml"
    path.write_text("name: point\nextends: [" + ", ".join(str(f) for f in files) + "]\n", encoding="utf-8")
    return region_bounds(load_scenario(path))


def main() -> None:
    """Print one line per point: each bound and its change against the baseline."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = bounds((), folder)
        points = [(o, (o,)) for o in FACILITATION] + [("all facilitation", FACILITATION)]
        points += [(o, (o,)) for o in TRACK] + [("all four track projects", TRACK)]
        print(f"{'point':30s}" + "".join(f"{head:>22s}" for _, _, head in MARKETS) + "   binding to China")
        for label, overlays in [("baseline-2023", ())] + points:
            b = bounds(overlays, folder) if overlays else base
            cells = "".join(f"{b[r][d].bound_mt:10.1f} ({b[r][d].bound_mt - base[r][d].bound_mt:+6.1f} Mt)"
                            for r, d, _ in MARKETS)
            binding = ", ".join(f"{e.id} {e.direction}" for e in b["China"]["inbound"].binding[:3])
            print(f"{label:30s}{cells}   {binding}")


if __name__ == "__main__":
    main()
