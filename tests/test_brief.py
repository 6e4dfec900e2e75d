"""The policy brief: content from the result files, self-contained HTML, Markdown, PDF, bad input.

One small ``compare`` folder is made per module (~15 s) with the shipped test
scenarios; its ``base/`` sub-folder serves as a single ``run`` folder. The
browser checks use Debian's Chromium (``/usr/bin/chromium``) and skip with a
reason where it is missing; CI installs it.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from corridors import REGIONS
from corridors.brief import BriefError, build_brief, read_result, write_brief
from corridors.brief.names import ElementNames
from corridors.brief.render import render_html, render_markdown
from corridors.cli import main
from corridors.errors import CorridorsError, ResultError
from corridors.results import RESULT_FORMAT

DATA = Path(__file__).parent / "data"
BASE = DATA / "scenario" / "base.yaml"
CHILD = DATA / "scenario" / "child.yaml"
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="Debian's Chromium is not installed (/usr/bin/chromium; apt-get install chromium)")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) not installed")
SECTIONS = ["Key messages", "Market by market", "Time, cost and CO2 per market", "Bottlenecks", "Method", "Caveats",
            "Appendix"]
RUN_SECTIONS = ["Key messages", "Delivered volume, transit time and corridor indicators",
                "Time, cost and CO2 per market", "Bottlenecks", "Method", "Caveats", "Appendix"]
FIGURES = ["capacity-change.png"]
NUM = r"[+\u2212-]?\d[\d,]*(?:\.\d+)?"
KIND = r"(?:single-track section|double-track section|border crossing|ferry link)"
DAY = datetime.date(2024, 5, 17)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("brief") / "cmp"
    r = CliRunner().invoke(main, ["compare", str(BASE), str(CHILD), "--out", str(out), "--rounds", "1",
                                  "--search-days", "60", "--workers", "1"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def brief(compare_dir, tmp_path_factory) -> dict[str, Path]:
    """HTML and Markdown of the compare folder, written elsewhere (figures copied beside the .md)."""
    out = tmp_path_factory.mktemp("brief-out") / "brief.html"
    files = write_brief(compare_dir, formats=("html", "md"), out=out, today=DAY)
    return {p.suffix.lstrip("."): p for p in files if p.suffix in (".html", ".md")}


@pytest.fixture(scope="module")
def pdf(compare_dir, tmp_path_factory) -> Path:
    if not CHROMIUM.is_file():
        pytest.skip("Debian's Chromium is not installed (/usr/bin/chromium; apt-get install chromium)")
    out = tmp_path_factory.mktemp("brief-pdf") / "brief.pdf"
    (path,) = write_brief(compare_dir, formats=("pdf",), out=out, browser=CHROMIUM, today=DAY)
    return path


def _md_section(md: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", md, re.DOTALL | re.MULTILINE)
    assert m, f"no section {title!r}"
    return m.group(1)


def _key_messages(md: str) -> list[str]:
    return [line[2:] for line in _md_section(md, "Key messages").splitlines() if line.startswith("- ")]


def _names(folder: Path) -> dict[str, str]:
    """Element id -> name, read straight from the CSVs of base/ and alt/."""
    import csv

    out = {}
    for run in ("base", "alt"):
        for f in ("sections.csv", "crossings.csv"):
            with open(folder / run / f, encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    out[row["id"]] = row["name"].replace(" - ", " – ")
    return out


def _num(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", "").lstrip("+±"))


def _same(shown: str, value: float | None, *, scale: float = 1.0) -> bool:
    """``shown`` is ``value`` rounded to the decimals shown."""
    if value is None:
        return False
    dec = len(shown.split(".")[1]) if "." in shown else 0
    return abs(_num(shown) - value * scale) <= 0.5 * 10 ** -dec + 1e-9


# --------------------------------------------------------------------------- key messages against the files


CAP = rf"(?:{NUM} Mt/yr(?: \(95 % CI {NUM} to {NUM}\))?|at least {NUM} Mt/yr|not found \([^)]*\))"
CELL = rf"(?:{NUM}(?: \({NUM}–{NUM}\))?|≥ {NUM}|–)"
CHANGE = rf"(?:n\.s\. \({NUM} to {NUM}\)|{NUM}(?: \({NUM} to {NUM}\))?|–)"


def check_cap(text: str, rec: dict, *, interval: bool = True) -> None:
    """A practical capacity as the brief writes it (sentence or cell) matches its record.

    ``interval=False``: the text may leave the 95 % interval out (a key message, with the table beside it).
    """
    v, ci = rec["simulated_mt"], rec["simulated_ci_mt"]
    text = text.removesuffix(" Mt/yr")
    if text == "–":
        assert v is None, (text, rec)
        return
    if text.startswith("not found"):
        assert v is None or v <= 0, (text, rec)
        return
    if text.startswith(("at least ", "≥ ")):
        assert rec["simulated_is_lower_limit"] and _same(text.split(" ", 2)[-1], v), (text, rec)
        return
    m = re.fullmatch(rf"({NUM})(?: Mt/yr)?(?: \((?:95 % CI )?({NUM})(?: to |–)({NUM})\))?", text)
    assert m and _same(m.group(1), v), (text, rec)
    assert not rec["simulated_is_lower_limit"]
    if m.group(2):
        assert _same(m.group(2), ci[0]) and _same(m.group(3), ci[1]), (text, rec)
    else:
        assert ci is None or not interval, (text, rec)


def check_change(text: str, k: dict) -> None:
    """A paired change as a cell (``n.s. (a to b)``, ``+x (a to b)``) matches its record."""
    ch, ci = k["simulated_change_mt"], k["simulated_change_ci_mt"]
    if text == "–":
        assert ch is None
        return
    lower = (k["before"]["simulated_is_lower_limit"], k["after"]["simulated_is_lower_limit"])
    if text == "? (both lower limits)":
        assert lower == (True, True)
        return
    m = re.fullmatch(rf"(at most|at least) ({NUM})", text)
    if m:  # a side is a lower limit: the change is a limit, no significance claimed
        assert lower == ((True, False) if m.group(1) == "at most" else (False, True)) and _same(m.group(2), ch)
        return
    assert lower == (False, False), text
    m = re.fullmatch(rf"(n\.s\.|{NUM})(?: \(({NUM}) to ({NUM})\))?", text)
    assert m, text
    if m.group(1) == "n.s.":
        assert ci[0] <= 0 <= ci[1]
    else:
        assert _same(m.group(1), ch) and (ci is None or not ci[0] <= 0 <= ci[1])
    if m.group(2):
        assert _same(m.group(2), ci[0]) and _same(m.group(3), ci[1])


def check_key_messages(folder: Path, msgs: list[str]) -> None:
    """Every number in the key messages comes from comparison.json or the run summaries.

    Each sentence is matched by its pattern, its numbers checked against the
    files read here, and the matched text removed; what is left may hold no
    digit outside element names.
    """
    cmp = json.loads((folder / "comparison.json").read_text())
    sums = [json.loads((folder / r / "summary.json").read_text()) for r in ("base", "alt")]
    names = _names(folder)
    regions = "|".join(map(re.escape, REGIONS))
    assert 3 <= len(msgs) <= 5, msgs
    labels = ElementNames(read_result(folder))
    corridors = {labels.corridor(c["corridor"]): c["corridor"] for c in sums[1]["corridor_indicators"]}
    assert len(corridors) == len(sums[1]["corridor_indicators"]), "two corridors share a name"

    def rec(word, region):
        return cmp["regions"][region]["inbound" if word == "to" else "outbound"]

    def check_limit(text, k):
        m = re.fullmatch(rf"the limit (?:moves from the (?:{KIND} )?(?P<b>.+?) to|stays at) the "
                         rf"(?:{KIND} )?(?P<a>.+?)", text)
        assert m, text
        assert m.group("a") == names[k["bottleneck_after"]]
        if m.group("b"):
            assert m.group("b") == names[k["bottleneck_before"]]
        else:
            assert k["bottleneck_before"] == k["bottleneck_after"]

    def check_over(text, k):
        m = re.fullmatch(rf"(Before|After), demand \(({NUM}) Mt/yr\) (?:already exceeds the practical capacity by "
                         rf"({NUM}) Mt/yr: trains wait longer than the service level allows|is at the practical "
                         rf"capacity, within its interval: trains wait about as long as the service level allows)", text)
        assert m, text
        r = k[m.group(1).lower()]
        assert r["demand_exceeds_capacity"] and _same(m.group(2), r["demand_mt"])
        if m.group(3):
            assert _same(m.group(3), r["demand_mt"] - r["simulated_mt"])
            assert r["simulated_ci_mt"] is None or r["demand_mt"] > r["simulated_ci_mt"][1]
        else:
            assert r["demand_mt"] <= r["simulated_ci_mt"][1]

    for msg in msgs:
        m = re.fullmatch(rf"Practical capacity (to|from) ({regions}) is ({CAP}) before and ({CAP}) after"
                         rf"(?:: (no significant change \(paired 95 % CI ({NUM}) to ({NUM}) Mt/yr\)|the change is undetermined: the "
                         rf"service level held at every load tried on both sides|a change of "
                         rf"(?:at most |at least )?({NUM}) Mt/yr(?:, ({NUM})%)?(?:; paired 95 % CI ({NUM}) to ({NUM}))?))?"
                         rf"((?:\. |; )[^.]+)?\.", msg)
        if m:
            k = rec(m.group(1), m.group(2))
            check_cap(m.group(3), k["before"], interval=False)  # the headline table beside it gives the intervals
            check_cap(m.group(4), k["after"], interval=False)
            ci = k["simulated_change_ci_mt"]
            if m.group(6):
                assert ci[0] <= 0 <= ci[1] and _same(m.group(6), ci[0]) and _same(m.group(7), ci[1])
            limit = k["before"]["simulated_is_lower_limit"] or k["after"]["simulated_is_lower_limit"]
            if m.group(8):
                assert _same(m.group(8), k["simulated_change_mt"])
                assert (" at most " in msg or " at least " in msg) == bool(limit)
                assert limit or ci is None or not ci[0] <= 0 <= ci[1]
                if m.group(9):
                    assert _same(m.group(9), k["simulated_change_rel"], scale=100)
                else:
                    assert k["simulated_change_rel"] is None
                if m.group(10):
                    assert _same(m.group(10), ci[0]) and _same(m.group(11), ci[1])
            for c in re.split(r"\. |; ", (m.group(12) or "")[2:]) if m.group(12) else []:
                if c.startswith("the limit"):
                    check_limit(c, k)
                else:
                    check_over(c, k)
            continue
        m = re.fullmatch(rf"A route (to|from) ({regions}) opens with a practical capacity of ({CAP})"
                         rf"(?:, limited by the (?:{KIND} )?(.+))?\.", msg)
        if m:
            k = rec(m.group(1), m.group(2))
            assert k["before"]["simulated_mt"] is None
            check_cap(m.group(3), k["after"])
            if m.group(4):
                assert m.group(4) == names[k["bottleneck_after"]]
            continue
        m = re.fullmatch(r"Elsewhere \(paired 95 % intervals\): (.*)\.", msg)
        if m:
            flow = rf"(to|from) ({regions})"
            for part in m.group(1).split("; "):
                q = re.fullmatch(rf"no significant change ({flow}(?:(?:, | or ){flow})*)", part)
                if q:  # every flow named here has a paired interval that contains zero
                    for word, region in re.findall(flow, q.group(1)):
                        ci = rec(word, region)["simulated_change_ci_mt"]
                        assert ci and ci[0] <= 0 <= ci[1], (part, ci)
                    continue
                p = re.fullmatch(rf"{flow} (?:new at ({CELL}) Mt/yr|lost \(was ({CELL}) Mt/yr\)|"
                                 rf"((?:at most |at least )?{NUM}) Mt/yr(?: \(({NUM}) to ({NUM})\))?|"
                                 rf"(\? \(both lower limits\)) Mt/yr)", part)
                assert p, part
                k = rec(p.group(1), p.group(2))
                if p.group(3):
                    check_cap(p.group(3), k["after"])
                elif p.group(4):
                    check_cap(p.group(4), k["before"])
                elif p.group(8):
                    assert k["before"]["simulated_is_lower_limit"] and k["after"]["simulated_is_lower_limit"]
                else:
                    cell = p.group(5) + (f" ({p.group(6)} to {p.group(7)})" if p.group(6) else "")
                    check_change(cell, k)
            continue
        m = re.fullmatch(rf"At scenario demand, door-to-door transit on the corridor (.+?) (?:shortens|lengthens) "
                         rf"from ({NUM}) to ({NUM}) days \(speed with delay ({NUM}) → ({NUM}) km/h\)\.", msg)
        if m:
            corridor = corridors[m.group(1)]  # named by its ends and cargo, one name per corridor
            b = {c["corridor"]: c for c in sums[0]["corridor_indicators"]}[corridor]
            a = {c["corridor"]: c for c in sums[1]["corridor_indicators"]}[corridor]
            assert _same(m.group(2), b["transit_days_mean"]) and _same(m.group(3), a["transit_days_mean"])
            assert _same(m.group(4), b["speed_with_delay_kmh"]) and _same(m.group(5), a["speed_with_delay_kmh"])
            continue
        m = re.fullmatch(rf"Practical capacity is the largest load at which the region's trains wait on average at "
                         rf"most ({NUM})% of their free transit time; every simulated figure is the mean of ({NUM}) "
                         rf"replications with its 95 % confidence interval, and each change is paired \(the same "
                         rf"random numbers before and after\), so 'no significant change' means its interval "
                         rf"contains zero\.", msg)
        if m:
            k = cmp["regions"]["China"]["inbound"]["before"]
            assert _same(m.group(1), k["service_level"]["max_added_wait_share"], scale=100)
            assert int(m.group(2)) == k["replications"]
            continue
        text = msg
        for name in sorted(names.values(), key=len, reverse=True):
            text = text.replace(name, "")
        assert not re.search(r"\d", text), f"key message of no known form holds numbers: {msg!r}"


def test_key_messages_match_the_comparison_files(compare_dir, brief):
    cmp = json.loads((compare_dir / "comparison.json").read_text())
    assert cmp["checks"] == [], "the comparison's figures contradict each other"
    msgs = _key_messages(brief["md"].read_text())
    check_key_messages(compare_dir, msgs)
    assert any("95 % CI" in m for m in msgs), "the key messages must give intervals"
    # What the figures are is said once, in the note of the headline table beside the key messages.
    table_note = _md_section(brief["md"].read_text(), "Key messages").split("### Practical capacity")[1]
    assert "replications, in brackets the 95 % confidence interval" in table_note


def _doctored(compare_dir: Path, tmp_path: Path, *, after: dict | None = None, before: dict | None = None,
              **changes) -> Path:
    """A copy of the compare folder with one region's after-record changed (the sentence variants)."""
    folder = tmp_path / "doctored"
    shutil.copytree(compare_dir, folder)
    doc = json.loads((folder / "comparison.json").read_text())
    k = doc["regions"]["Russia"]["inbound"]
    k["after"].update(after or {})
    k["before"].update(before or {})
    k.update(changes)
    (folder / "comparison.json").write_text(json.dumps(doc))
    return folder


def test_key_messages_when_capacity_rises_and_the_limit_moves(compare_dir, tmp_path):
    folder = _doctored(compare_dir, tmp_path, after={"simulated_mt": 61.234, "simulated_ci_mt": [60.0, 62.5],
                                                     "simulated_is_lower_limit": False},
                       before={"simulated_is_lower_limit": False},
                       simulated_change_mt=40.0, simulated_change_ci_mt=[38.5, 41.5], simulated_change_rel=2.0,
                       bottleneck_after="alashankou_dostyk")
    files = write_brief(folder, formats="md", out=tmp_path / "x.md", today=DAY)
    msgs = _key_messages(files[0].read_text())
    check_key_messages(folder, msgs)
    names = _names(folder)
    russia = next(m for m in msgs if "capacity to Russia" in m)
    assert "61.2 Mt/yr after: a change of +40.0 Mt/yr, +200%; paired 95 % CI +38.5 to +41.5" in russia
    assert "the limit moves from the " in russia
    assert russia.endswith(f"to the border crossing {names['alashankou_dostyk']}.")


def test_key_messages_say_no_significant_change_and_demand_above_capacity(compare_dir, tmp_path):
    folder = _doctored(compare_dir, tmp_path, after={"demand_exceeds_capacity": True, "demand_mt": 99.0},
                       before={"simulated_is_lower_limit": False}, simulated_change_mt=0.4, simulated_change_ci_mt=[-0.3, 1.1], simulated_change_rel=0.1)
    doc = json.loads((folder / "comparison.json").read_text())
    # make Russia inbound the largest change so it gets its own sentence
    for r in REGIONS:
        for d in ("inbound", "outbound"):
            if (r, d) != ("Russia", "inbound"):
                doc["regions"][r][d]["after"]["simulated_mt"] = doc["regions"][r][d]["before"]["simulated_mt"]
    k = doc["regions"]["Russia"]["inbound"]
    k["after"]["simulated_mt"] = (k["before"]["simulated_mt"] or 0) + 50
    (folder / "comparison.json").write_text(json.dumps(doc))
    files = write_brief(folder, formats="md", out=tmp_path / "x.md", today=DAY)
    msgs = _key_messages(files[0].read_text())
    russia = next(m for m in msgs if "capacity to Russia" in m)
    assert "no significant change (paired 95 % CI −0.30 to +1.1 Mt/yr)" in russia
    assert "After, demand (99.0 Mt/yr) already exceeds the practical capacity by" in russia
    assert not re.search(r"\d%", russia), "no relative change where the change is not significant"


# --------------------------------------------------------------------------- structure and tables


def test_content_is_typed_blocks_rendered_once_per_format(compare_dir, brief, tmp_path):
    br = build_brief(read_result(compare_dir), today=DAY, figure_dir=tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        br.title = "changed"  # type: ignore[misc]
    assert render_markdown(br) == brief["md"].read_text()
    assert render_html(br) == brief["html"].read_text()
    assert _key_messages(render_markdown(br)) == list(br.key_messages)


def test_markdown_has_the_sections_in_order_and_figures_beside_it(compare_dir, brief):
    md = brief["md"].read_text()
    found = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert found == SECTIONS
    assert md.startswith("# Freight corridor capacity: mini-base → mini-child")
    assert "Base scenario of the test suite" in md and "2024-05-17" in md
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    # The brief draws one figure per market whose capacity search left a curve, from capacity-*.json.
    caps = [json.loads((compare_dir / f"capacity-{w}.json").read_text()) for w in ("before", "after")]
    markets = [f"brief-market-{r.lower().replace(' ', '-')}.png" for r in REGIONS
               if any(c["regions"][r][d]["probes"] for c in caps for d in ("inbound", "outbound"))]
    assert markets and images == FIGURES + markets
    for name in images:
        copy = brief["md"].parent / name
        assert copy.is_file()
        if name in FIGURES:
            assert copy.read_bytes() == (compare_dir / name).read_bytes()


def test_capacity_table_matches_comparison_json(compare_dir, brief):
    cmp = json.loads((compare_dir / "comparison.json").read_text())
    rows = [[c.strip() for c in line.strip("|").split(" | ")]
            for line in _md_section(brief["md"].read_text(), "Key messages").splitlines()
            if line.startswith("| ") and not line.startswith("| Flows")]
    seen = set()
    for row in rows:
        word, region = row[0].split(" ", 1)
        word = word.lower()
        k = cmp["regions"][region]["inbound" if word == "to" else "outbound"]
        seen.add((region, word))
        b, a = k["before"], k["after"]
        assert row[1] in (f"{row[1]}",) and _same(row[1].split(" → ")[0], b["demand_mt"])
        for cell, r in ((row[2], b), (row[3], a)):
            assert cell.endswith("*") == bool(r["demand_exceeds_capacity"]), (cell, r)
            check_cap(cell.rstrip("*"), r)
        check_change(row[4], k)
        assert len(row) == 5
    with_data = {(r, "to" if d == "inbound" else "from") for r in REGIONS for d in ("inbound", "outbound")
                 if any(cmp["regions"][r][d][w]["simulated_mt"] is not None for w in ("before", "after"))}
    assert seen == with_data


def test_time_cost_and_co2_per_market_match_the_comparison(compare_dir, brief):
    # issue 16 item 5: each market's cost and CO2 before and after, and the network's paired change, from the files
    fp = json.loads((compare_dir / "comparison.json").read_text())["footprint"]
    sec = _md_section(brief["md"].read_text(), "Time, cost and CO2 per market").split("\n### ")[0]
    rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in sec.splitlines()
            if line.startswith("| ") and not line.startswith("| Flows")]
    assert rows
    for row in rows:
        word, region = row[0].split(" ", 1)
        g = fp["regions"][region]["inbound" if word == "To" else "outbound"]
        for cell, key in ((row[3], "usd_per_t"), (row[5], "g_co2e_per_tkm")):
            sides = cell.split(" → ")
            want = [g[key][w]["mean"] for w in ("before", "after")]
            for x, v in zip(sides, want if len(sides) == 2 else want[1:]):
                assert (v is None) if x == "–" else _same(x.lstrip("$"), v), (row, g)
        change = g["co2e_t_per_year"]["change"]
        assert row[6] == "–" if change is None else _same(row[6].split(" ±")[0], change, scale=1e-3), (row, g)
    net = fp["network"]["usd_per_t"]
    m = re.search(r"paired change \(95 % interval\): ([+\u2212]?\$[\d.,]+)", sec)
    assert m and _same(m.group(1).replace("$", ""), net["change"]), (m and m.group(1), net)
    assert "CAREC CPMM" in sec and "docs/emissions.md" in sec


def test_other_sections_come_from_the_run_files(compare_dir, brief):
    md = brief["md"].read_text()
    alt = json.loads((compare_dir / "alt" / "summary.json").read_text())
    ind = _md_section(md, "Time, cost and CO2 per market")
    labels = ElementNames(read_result(compare_dir))
    top = sorted(alt["corridor_indicators"], key=lambda c: -c["trains"])[:8]
    for c in top:  # corridors by their ends and cargo, never by id
        assert f"| {labels.corridor(c['corridor'])} |" in ind and c["corridor"] not in ind
    bott = _md_section(md, "Bottlenecks")
    assert "Brest – Malaszewicze" in bott and "Brest → Malaszewicze" in bott
    method = _md_section(md, "Method")
    appendix = _md_section(md, "Appendix")
    meta = json.loads((compare_dir / "run.json").read_text())
    for f, h in meta["input_sha256"].items():
        assert f in appendix and h[:16] in appendix
    assert "Candidate routes per flow" in appendix and "k_routes" not in md
    assert "Ayagoz – Bakhty: opened" in method
    assert "tracks 1 → 2" in method
    caveats = _md_section(md, "Caveats")
    assert "No closures or slowdowns" in caveats and "still under way" in caveats


def test_single_run_folder_gives_a_shorter_brief(compare_dir, tmp_path):
    files = write_brief(compare_dir / "base", formats=("html", "md"), out=tmp_path / "run", today=DAY)
    assert [p.name for p in files] == ["run.html", "run.md", "map.png"]
    md = files[1].read_text()
    found = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert found == RUN_SECTIONS
    summary = json.loads((compare_dir / "base" / "summary.json").read_text())
    msgs = _key_messages(md)
    assert 3 <= len(msgs) <= 5
    t = summary["trains"]
    assert msgs[0] == (f"Of {t['generated']:,} trains generated, {t['delivered']:,} were delivered, "
                       f"{t['refused']:,} refused at entry and {t['in_network']:,} still under way at the end.")


def test_default_output_goes_into_the_result_folder(compare_dir, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(compare_dir, folder)
    files = write_brief(folder, formats="md,html")
    # The result folder's own figures are already beside it; only the brief's own market figures are added.
    assert files[:2] == [folder / "brief.html", folder / "brief.md"]
    assert files[2:] and all(p.parent == folder and p.name.startswith("brief-market-") for p in files[2:])
    assert not [p for p in folder.iterdir() if p.name.startswith(".brief-")]


# --------------------------------------------------------------------------- self-contained HTML in a browser


def _figure_files(brief) -> list[str]:
    """The figures the Markdown brief links (one per figure of the HTML)."""
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", brief["md"].read_text())


def test_html_is_self_contained(brief):
    doc = brief["html"].read_text()
    assert "<script" not in doc.lower() and "<link" not in doc.lower() and "@import" not in doc
    assert not re.search(r"url\(", doc)
    srcs = re.findall(r'<img[^>]+src="([^"]{0,40})', doc)
    assert len(srcs) == len(_figure_files(brief)) and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "@page" in doc and "@media print" in doc


_PROBE = """<script>
window.addEventListener('load', () => {
  const de = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > de.clientWidth + 0.5)
    .map(e => e.tagName + ': ' + (e.textContent || '').slice(0, 60));
  const r = {images: [...document.images].map(i => [i.complete, i.naturalWidth]),
             scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, wide: wide.slice(0, 10)};
  const out = document.createElement('pre');
  out.id = '__probe';
  out.textContent = JSON.stringify(r);
  document.body.appendChild(out);
});
</script>"""


def _browser_probe(html_file: Path, width_px: int) -> dict:
    """Load a copy of the page with a probe script in headless Chromium at this viewport width."""
    with tempfile.TemporaryDirectory() as d:
        page = Path(d) / "page.html"
        page.write_text(html_file.read_text().replace("</body>", _PROBE + "</body>"))
        profile = Path(d) / "profile"
        cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width_px},1123",
               "--dump-dom", page.as_uri()]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
    m = re.search(r'<pre id="__probe">(.*?)</pre>', proc.stdout, re.DOTALL)
    assert m, f"no probe output from Chromium (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


@needs_chromium
@pytest.mark.parametrize("width_px", [794, 695])  # A4 at 96 dpi; A4 less the print margins
def test_html_in_chromium_images_load_and_nothing_overflows(brief, width_px):
    r = _browser_probe(brief["html"], width_px)
    assert len(r["images"]) == len(_figure_files(brief))
    assert all(complete and w > 0 for complete, w in r["images"]), r["images"]
    assert r["clientWidth"] == width_px
    assert r["scrollWidth"] <= r["clientWidth"], r["wide"]
    assert r["wide"] == []


@needs_chromium
@needs_poppler
def test_pdf_is_a4_and_text_stays_on_the_page(pdf, brief):
    assert pdf.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 3 <= pages <= 12
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', box).group(1))
    xmax = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', box))
    assert xmax <= width - 18, "text runs into the right margin or off the page"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    first = _key_messages(brief["md"].read_text())[0]
    assert " ".join(first.split()[:8]) in flat
    for title in SECTIONS:
        assert title in flat


@needs_chromium
@needs_poppler
def test_printed_pages_pass_the_layout_checks(pdf):
    from corridors.brief.layout import check_pdf, have_poppler

    if not have_poppler():
        pytest.skip("poppler's pdftoppm or pdfimages is missing")
    report = check_pdf(pdf, pages=(4, 6))
    # 4-6 pages, no half-empty page before the last, every figure readable, no text off the page.
    assert report.problems == (), report


@needs_chromium
@needs_poppler
def test_a_run_brief_passes_the_layout_checks(compare_dir, tmp_path):
    from corridors.brief.layout import check_pdf, have_poppler

    if not have_poppler():
        pytest.skip("poppler's pdftoppm or pdfimages is missing")
    (pdf,) = write_brief(compare_dir / "base", formats=("pdf",), out=tmp_path / "run.pdf", browser=CHROMIUM,
                         today=DAY)
    report = check_pdf(pdf)
    assert report.figure_scale and report.problems == (), report  # its utilisation map prints readable


def _body_ids(compare_dir: Path, md: str) -> set[str]:
    """The node, link and flow ids that appear as words in the brief's body (before the appendix)."""
    body = md.split("\n## Appendix\n")[0]
    net = json.loads((DATA / "scenario" / "network.geojson").read_text())
    ids = {f["properties"]["id"] for f in net["features"]}
    flows = {c["corridor"] for run in ("base", "alt")
             for c in json.loads((compare_dir / run / "summary.json").read_text())["corridor_indicators"]}
    return (ids | flows) & set(re.findall(r"[\w-]+", body))


def test_a_moved_result_folder_still_names_its_places(compare_dir, tmp_path, monkeypatch, caplog):
    # Review: sent to someone else (no network file reachable), the brief named places by their ids.
    folder = tmp_path / "sent" / "cmp"
    shutil.copytree(compare_dir, folder)
    for run in ("base", "alt"):
        meta = json.loads((folder / run / "run.json").read_text())
        meta["network"]["file"] = "nowhere/network.geojson"
        (folder / run / "run.json").write_text(json.dumps(meta))
    monkeypatch.chdir(tmp_path)
    (md,) = write_brief(folder, formats="md", out=tmp_path / "b.md", today=DAY)[:1]
    assert not _body_ids(folder, md.read_text()), "nodes.csv names the places"
    # A folder from before nodes.csv, with no network file either: ids, and a warning that says why.
    for run in ("base", "alt"):
        (folder / run / "nodes.csv").unlink()
    with caplog.at_level("WARNING"):
        write_brief(folder, formats="md", out=tmp_path / "c.md", today=DAY)
    assert any("places are named by their ids" in r.getMessage() for r in caplog.records)


def test_the_body_names_things_by_name_never_by_id_url_or_python_argument(compare_dir, brief):
    md = brief["md"].read_text()
    assert not _body_ids(compare_dir, md)
    body = md.split("\n## Appendix\n")[0]
    for tag in ("http", "www.", "§", "ASSUMPTION", "=True", "k_routes", "overlay_ok", "inbound", "outbound"):
        assert tag not in body, tag
    assert not re.search(r"\b(?:search|fit|cite|facts):\S", body), "an internal source key in the body"


# --------------------------------------------------------------------------- bad input and missing renderer


def _run_copy(compare_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    shutil.copytree(compare_dir / "base", folder)
    return folder


def _set(path: Path, **kv) -> None:
    doc = json.loads(path.read_text())
    for k, v in kv.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    path.write_text(json.dumps(doc))


def test_not_a_result_folder(tmp_path):
    with pytest.raises(ResultError, match="no such folder"):
        read_result(tmp_path / "nothing")
    with pytest.raises(ResultError, match="not a result folder"):
        read_result(tmp_path)
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ResultError, match="not a folder"):
        read_result(tmp_path / "f.txt")
    (tmp_path / "capacity.json").write_text("{}")
    with pytest.raises(ResultError, match="'corridors capacity' folder"):
        read_result(tmp_path)


def test_incompatible_result_format(compare_dir, tmp_path):
    major = int(RESULT_FORMAT.split(".")[0])
    folder = _run_copy(compare_dir, tmp_path)
    _set(folder / "summary.json", result_format=f"{major + 1}.0")
    with pytest.raises(ResultError, match=rf"summary.json: result format {major + 1}\.0 .* incompatible"):
        write_brief(folder, formats="md")
    _set(folder / "summary.json", result_format=f"{major}.7")  # same major: fine
    read_result(folder)
    _set(folder / "run.json", result_format=None)
    with pytest.raises(ResultError, match="run.json: no result_format"):
        read_result(folder)
    cmp = tmp_path / "cmp"
    shutil.copytree(compare_dir, cmp)
    _set(cmp / "run.json", result_format=f"{major + 1}.0")
    with pytest.raises(ResultError, match="incompatible"):
        read_result(cmp)
    assert not list(cmp.glob("brief*")) and not list(folder.glob("brief*"))


def test_incomplete_or_broken_folder(compare_dir, tmp_path):
    folder = _run_copy(compare_dir, tmp_path)
    (folder / "crossings.csv").unlink()
    with pytest.raises(ResultError, match="missing crossings.csv"):
        read_result(folder)
    folder = _run_copy(compare_dir, tmp_path / "b")
    (folder / "summary.json").write_text("{not json")
    with pytest.raises(ResultError, match="summary.json: not a readable JSON file"):
        read_result(folder)
    cmp = tmp_path / "cmp"
    shutil.copytree(compare_dir, cmp)
    shutil.rmtree(cmp / "alt")
    with pytest.raises(ResultError, match="alt: incomplete run folder"):
        read_result(cmp)


def test_pdf_without_a_renderer_is_a_clear_error_and_writes_nothing(compare_dir, tmp_path):
    with pytest.raises(BriefError, match=r"Chromium.*--format html,md") as e:
        write_brief(compare_dir, formats=("html", "md", "pdf"), out=tmp_path / "b.html",
                    browser=tmp_path / "no" / "chromium")
    assert isinstance(e.value, CorridorsError)
    assert list(tmp_path.iterdir()) == []
    files = write_brief(compare_dir, formats=("html", "md"), out=tmp_path / "b.html",
                        browser=tmp_path / "no" / "chromium")
    assert {p.name for p in files} >= {"b.html", "b.md"}


def test_unknown_format(compare_dir):
    with pytest.raises(BriefError, match="unknown brief format 'docx'"):
        write_brief(compare_dir, formats=("html", "docx"))


# --------------------------------------------------------------------------- the command (once wired into cli.py)


def test_brief_command(compare_dir, tmp_path):
    if "brief" not in main.commands:
        pytest.skip("'corridors brief' is not wired into cli.py yet")
    runner = CliRunner()
    r = runner.invoke(main, ["brief", str(compare_dir), "--format", "html,md", "--out", str(tmp_path / "b.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "b.html").is_file() and (tmp_path / "b.md").is_file()
    r = runner.invoke(main, ["brief", str(tmp_path)])
    assert r.exit_code == 1 and "not a result folder" in r.output and "Traceback" not in r.output
    r = runner.invoke(main, ["brief", str(compare_dir), "--format", "docx"])
    assert r.exit_code != 0 and "docx" in r.output and "Traceback" not in r.output


# --------------------------------------------------------------------------- damaged result files: the whole kind


def _damage(folder: Path, case: str) -> None:
    """Damage one file of a copied compare folder the way the hostile-input tester did."""
    def edit_json(name, fn):
        doc = json.loads((folder / name).read_text())
        fn(doc)
        (folder / name).write_text(json.dumps(doc))

    def first_rec(doc):
        return next(iter(next(iter(doc["regions"].values())).values()))

    if case.startswith("references"):  # a bibliography beside a copy of the network
        net = folder / "net"
        net.mkdir()
        shutil.copy(DATA / "scenario" / "network.geojson", net / "network.geojson")
        text = {"references-flows-int": "references: []\nflows: 5\n",
                "references-keys-int": "flows:\n  - {scenario: mini-base, flow: cn-eu, keys: 5}\n",
                "references-not-utf8": None, "references-list": "- 1\n- 2\n",
                "references-folder": "folder"}[case]
        if text is None:
            (net / "references.yaml").write_bytes(b"\xff\xfe\x00bad")
        elif text == "folder":
            (net / "references.yaml").mkdir()
        else:
            (net / "references.yaml").write_text(text)
        for run in ("base", "alt"):
            edit_json(f"{run}/run.json", lambda d: d["network"].update(file=str(net / "network.geojson")))
    elif case == "capacity-regions-list":
        edit_json("capacity-before.json", lambda d: d.update(regions=[1, 2]))
    elif case == "capacity-probes-odd":
        edit_json("capacity-before.json", lambda d: first_rec(d).update(probes=["a", 1, None, {}]))
    elif case == "capacity-intervals-short":
        edit_json("capacity-after.json", lambda d: first_rec(d).update(simulated_ci_mt=[1], max_throughput_ci_mt=[]))
    elif case == "attribution-text-numbers":
        (folder / "attribution.csv").write_text(
            "region,direction,base_bound_mt,x_bound_change_mt,all_projects_together_mt,practical_all_projects_mt,"
            "x_practical_change_mt,x_practical_change_ci_low_mt,x_practical_change_ci_high_mt\n"
            "China,inbound,abc,def,1,2,ghi,jkl,mno\n")
    elif case == "attribution-short-rows":
        (folder / "attribution.csv").write_text("region,direction,base_bound_mt,x_bound_change_mt\nChina\n")
    elif case == "attribution-unknown-region":
        (folder / "attribution.csv").write_text(
            "region,direction,base_bound_mt,x_bound_change_mt,all_projects_together_mt\nAtlantis,inbound,1,2,3\n")
    elif case == "attribution-nan":
        (folder / "attribution.csv").write_text(
            "region,direction,base_bound_mt,x_bound_change_mt,all_projects_together_mt,practical_all_projects_mt,"
            "x_practical_change_mt,x_practical_change_ci_low_mt,x_practical_change_ci_high_mt\n"
            "China,inbound,1,nan,nan,nan,nan,nan,nan\n")
    elif case == "run-json-network-text":
        edit_json("alt/run.json", lambda d: d.update(network="x"))
    else:
        raise AssertionError(case)


DAMAGE = ["references-flows-int",  # the tester's first case
          "references-keys-int", "references-not-utf8", "references-list", "references-folder",
          "capacity-regions-list", "capacity-probes-odd", "capacity-intervals-short", "attribution-text-numbers",
          "attribution-short-rows", "attribution-unknown-region", "attribution-nan", "run-json-network-text"]


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_result_file_gives_a_brief_or_one_clear_line(compare_dir, tmp_path, case):
    folder = tmp_path / "cmp"
    shutil.copytree(compare_dir, folder)
    _damage(folder, case)
    r = CliRunner().invoke(main, ["brief", str(folder), "--format", "md", "--out", str(tmp_path / "b.md")])
    assert r.exception is None or isinstance(r.exception, SystemExit), (case, r.exception)
    assert "Traceback" not in r.output
    if r.exit_code:
        assert r.output.startswith("error: ") and str(folder) in r.output, (case, r.output)
        assert not list(tmp_path.glob("b.*")), "nothing half-written"
    else:
        assert "nan" not in (tmp_path / "b.md").read_text().split("## Appendix")[0], case


def test_the_brief_says_where_it_cannot_write(compare_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["brief", str(compare_dir), "--format", "md", "--out", str(blocker / "brief.md")])
    assert r.exit_code == 1 and r.output.startswith("error: cannot write the brief to "), r.output
