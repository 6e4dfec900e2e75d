"""Shared helpers of the scenario tests: the tiny test network, its scenarios, file writers.

Everything runs on the tiny network ``tests/data/scenario/network.geojson``
(18 nodes, 18 links: China, Kazakhstan, Russia, Europe via Brest and via the
Caspian ferry, Afghanistan; ``ayagoz_bakhty`` and ``tacheng_bakhty`` planned).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

DATA = Path(__file__).parent / "data"
NET = DATA / "scenario" / "network.geojson"
BASE = DATA / "scenario" / "base.yaml"
CHILD = DATA / "scenario" / "child.yaml"
BAD = DATA / "bad"

FLOW_KZ_RU = """\
  - id: kz-ru
    origin: aktogay
    destination: Russia
    cargo: grain
    volume_mt: 0.66
    source: test
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write a scenario file whose ``{net}`` placeholder points at the test network."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).replace("{net}", str(NET)), encoding="utf-8")
    return path


def scenario(
    tmp_path: Path, body: str = "", *, name: str = "s.yaml", demand: str = FLOW_KZ_RU
) -> Path:
    """Write a minimal valid scenario plus ``body`` (top-level YAML)."""
    text = f"name: t\nnetwork: {NET}\n" + textwrap.dedent(body) + "demand:\n" + demand
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of ``path`` containing ``needle``."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")
