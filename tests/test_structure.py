"""Structurally wrong files: every kind gives a located error in bounded time and memory, never a traceback.

One sweep per kind (issue 11, items 2, 7, 10 and 11), the issue's example first:
network structure, scenario structure, YAML features, ``extends`` targets,
size limits. Each case asserts a :class:`~corridors.errors.CorridorsError`
whose every message starts with the file (and a line where the file has one),
stays short (no file content echoed), and comes within a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from scenario_support import BAD, NET, scenario

from corridors.errors import CorridorsError, NetworkError
from corridors.network import MAX_NETWORK_BYTES, read_network
from corridors.scenario import load_scenario, validate_file
from corridors.scenario.plain_yaml import MAX_LINE_CHARS, MAX_SCENARIO_BYTES

SRC = Path(__file__).resolve().parents[1] / "src"
#: Wall-clock bound of one case (the slowest takes well under a second on a quiet machine).
SECONDS = 5.0
#: Longest message: excerpts of user text are capped, so a message never carries a file's content.
MAX_MESSAGE_CHARS = 400


def _timed(fn, *args):
    start = time.perf_counter()
    try:
        return fn(*args)
    finally:
        assert time.perf_counter() - start < SECONDS, f"took {time.perf_counter() - start:.1f} s"


def _assert_located(problems: list[str], path: Path, needle: str, *, line: bool = True) -> None:
    assert problems, "no problem reported"
    head = re.escape(str(path)) + (r":\d+: " if line else r"(:\d+)?: ")
    for p in problems:
        assert re.match(head, p) or not p.startswith(str(path)), p
        assert len(p.replace(str(path.parent), "")) <= MAX_MESSAGE_CHARS, p
    assert any(re.match(head, p) and needle in p for p in problems), (needle, problems)


# --------------------------------------------------------------------------- network structure


def _net_doc() -> dict:
    return json.loads(NET.read_text(encoding="utf-8"))


def _set(doc: dict, path: tuple, value) -> dict:
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return doc


def _mutated(tmp_path: Path, edit) -> Path:
    out = tmp_path / "net.geojson"
    doc = edit(_net_doc()) if callable(edit) else edit
    out.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=1), encoding="utf-8")
    return out


NODE, LINK = ("features", 0), ("features", -1)
NETWORK_CASES = [
    # (name, edit: doc -> doc, or the file's text, expected text, located on a line)
    ("features is null", lambda d: _set(d, ("features",), None), "features: got null, expected a list", True),
    ("features is a string", lambda d: _set(d, ("features",), "abc"), "features: got 'abc'", True),
    ("a feature is a string", lambda d: _set(d, NODE, "abc"), "got 'abc', expected a GeoJSON Feature", False),
    ("coordinates are strings", lambda d: _set(d, (*NODE, "geometry", "coordinates"), ["87.6", "43.8"]),
     "geometry.coordinates: lon: got '87.6', expected a number", True),
    ("coordinates are a scalar", lambda d: _set(d, (*LINK, "geometry", "coordinates"), 5),
     "geometry.coordinates: got 5, expected a list of at least two", True),
    ("a link's point is a scalar", lambda d: _set(d, (*LINK, "geometry", "coordinates", 0), 5),
     "geometry.coordinates[0]: got 5, expected a [lon, lat] pair", True),
    ("an id is a list", lambda d: _set(d, (*NODE, "properties", "id"), ["a", "b"]),
     "properties.id: got a list of 2 items, expected a text", True),
    ("an id is an object", lambda d: _set(d, (*LINK, "properties", "id"), {"a": 1}),
     "properties.id: got an object", True),
    ("properties is a string", lambda d: _set(d, (*NODE, "properties"), "x"),
     "properties: got 'x', expected an object", True),
    ("geometry is a string", lambda d: _set(d, (*NODE, "geometry"), "x"), "needs a Point geometry, got 'x'", True),
    ("a link has a Point", lambda d: _set(d, (*LINK, "geometry", "type"), "Point"),
     "a link needs a LineString geometry, got type 'Point'", True),
    ("kind is a list", lambda d: _set(d, (*NODE, "properties", "kind"), ["node"]),
     "properties.kind: got a list of 1 item, expected one of", True),
    ("NaN coordinates", lambda d: _set(d, (*NODE, "geometry", "coordinates"), [float("nan"), 43.8]),
     "lon: got nan, expected a number between -180 and 180 degrees (WGS84 longitude)", True),
    ("infinite link point", lambda d: _set(d, (*LINK, "geometry", "coordinates", 0), [80.0, float("inf")]),
     "lat: got inf, expected a number between -90 and 90 degrees (WGS84 latitude)", True),
    ("NaN property", lambda d: _set(d, (*LINK, "properties", "length_km"), float("nan")),
     "length_km: got nan, expected a number between", True),
    ("a property is a nested list", lambda d: _set(d, (*NODE, "properties", "name"), [[[[1]]]]),
     "properties.name: got a list of 1 item, expected a text", True),
    ("deeply nested coordinates", lambda d: _set(d, (*NODE, "geometry", "coordinates"), json.loads("[" * 200 + "]" * 200)),
     "geometry.coordinates: got a list of 1 item", True),
    ("nested past the parser's limit", '{"type": "FeatureCollection", "features":\n' + "[" * 100_000 + "]" * 100_000 + "}",
     "invalid JSON: nested too deeply", True),
    ("metadata is a string", lambda d: _set(d, ("metadata",), "x"), "metadata: got 'x', expected an object", True),
    ("a metadata value is a list", lambda d: _set(d, ("metadata", "name"), [1]),
     "metadata.name: got a list of 1 item", True),
    ("an empty file", "", "invalid JSON", True),
    ("a JSON array", "[1, 2]", "not a GeoJSON FeatureCollection: got a list of 2 items", True),
    ("a Feature's type is wrong", lambda d: _set(d, (*NODE, "type"), "Point"), "type: got 'Point', expected 'Feature'", True),
    ("a key given twice", NET.read_text(encoding="utf-8").replace('"id": "urumqi",', '"id": "urumqi", "id": "x",', 1),
     "properties.id: given twice", True),
    ("lon/lat in properties", lambda d: _set(d, (*NODE, "properties", "lon"), 87.6),
     "properties.lon: unknown property (the position is the feature's geometry)", True),
]


@pytest.mark.parametrize("edit, needle, line", [c[1:] for c in NETWORK_CASES], ids=[c[0] for c in NETWORK_CASES])
def test_network_structure_is_a_located_error(tmp_path, edit, needle, line):
    path = _mutated(tmp_path, edit)
    with pytest.raises(NetworkError) as info:
        _timed(read_network, path)
    _assert_located(info.value.problems, path, needle, line=line)


def test_network_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.geojson"
    path.write_bytes(NET.read_bytes().replace(b'"Urumqi"', b'"\xdcr\xfcmqi"'))
    with pytest.raises(NetworkError) as info:
        _timed(read_network, path)
    assert info.value.problems == [f"{path}:4: not UTF-8 text (byte 0xdc), expected a UTF-8 GeoJSON file"]


def test_a_broken_node_is_not_reported_again_as_unknown(tmp_path):
    path = _mutated(tmp_path, lambda d: _set(d, (*NODE, "geometry", "coordinates"), "x"))
    with pytest.raises(NetworkError) as info:
        read_network(path)
    assert len(info.value.problems) == 1 and "urumqi: geometry.coordinates: got 'x'" in info.value.problems[0]


# --------------------------------------------------------------------------- scenario structure


SCENARIO_CASES = [
    # (name, file text, expected text)
    ("extends is an integer", "name: x\nextends: 5\n", "2: extends: got 5, expected a file name or a list"),
    ("extends is a mapping", "name: x\nextends: {a: 1}\n", "2: extends: got a mapping {a}, expected a file name"),
    ("extends lists a number", "name: x\nextends: [3]\n", "2: extends[0]: got 3, expected a file name"),
    ("extends is empty text", "name: x\nextends: ''\n", "2: extends: got '', expected a file name"),
    ("overlay is text", "name: x\noverlay: perhaps\n", "2: overlay: got 'perhaps', expected true or false"),
    ("a list at the top", "- a\n- b\n", "1: got a list of 2 items at the top level, expected a mapping"),
    ("text at the top", "just text\n", "1: got 'just text' at the top level"),
    ("an empty file", "# nothing\n", "1: the file is empty"),
    ("two documents", "name: a\n---\nname: b\n", "invalid YAML"),
    ("a NUL byte", "name: a\x00b\n", "invalid YAML"),
    ("a key given twice", "name: a\nname: b\n", "2: invalid YAML: found duplicate key"),
    ("changes is a mapping", f"name: x\nnetwork: {NET}\nchanges: {{a: 1}}\ndemand: []\n", "3: changes: got a mapping"),
    ("NaN point of a new link",
     (
         f"name: x\nnetwork: {NET}\ndemand: []\nchanges:\n  - add_section: {{id: s, name: S, from_node: urumqi, "
         "to_node: alashankou, length_km: 500, tracks: 2, headway_min: 10, speed_kmh: 70, electrified: true, "
         "gauge_mm: 1435, country: CN, points: [[.nan, 44]]}\n"
     ),
     "5: changes[0].add_section.points[0]: got a list of 2 items, expected a [lon, lat] pair"),
    ("network names a NUL", 'name: x\nnetwork: "a\\0.geojson"\ndemand: []\n',
     "a\\x00.geojson': the name contains a NUL character"),
    ("network is a device", "name: x\nnetwork: /dev/zero\ndemand: []\n",
     "2: network: cannot read network file '/dev/zero': not a regular file"),
    ("network name too long", "name: x\nnetwork: " + "n" * 5000 + ".geojson\ndemand: []\n",
     "the name is too long for the file system"),
    ("an unknown key thousands of characters long", f"name: x\nnetwork: {NET}\ndemand: []\n" + "k" * 1000 + ": 1\n",
     "4: kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...: unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'"),
]


@pytest.mark.parametrize("text, needle", [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES])
def test_scenario_structure_is_a_located_error(tmp_path, text, needle):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorridorsError) as info:
        _timed(load_scenario, path)
    _assert_located(info.value.problems, path, needle)
    assert validate_file(path) == info.value.problems


def test_bad_extends_skips_the_checks_of_the_whole_chain(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nextends: 5\n", encoding="utf-8")
    assert validate_file(path) == [f"{path}:2: extends: got 5, expected a file name or a list of file names"]


# --------------------------------------------------------------------------- YAML features


YAML_CASES = [
    # (name, file in tests/data/bad or text, expected text)
    ("merge key", BAD / "struct_merge_key.yaml", "4: invalid YAML: found a merge key '<<': YAML merge keys are not supported"),
    ("alias bomb", BAD / "struct_alias_bomb.yaml", "3: invalid YAML: found the anchor '&a0': YAML anchors and aliases"),
    ("!!omap and !!binary", BAD / "struct_omap.yaml", "3: simulation: explicit YAML tag '!!omap' is not allowed"),
    ("%YAML 1.1", BAD / "struct_yaml11.yaml", "1: the %YAML 1.1 directive is not supported"),
    ("deep block nesting", BAD / "struct_deep.yaml", "35: invalid YAML: nested more than 32 levels deep"),
    ("an alias", "name: &n x\ndescription: *n\n", "1: invalid YAML: found the anchor '&n'"),
    ("an undefined alias", "name: x\ndescription: *n\n", "2: invalid YAML: found the alias '*n'"),
    ("!!python/object", 'name: x\nevil: !!python/object/apply:os.system ["echo hi"]\n',
     "2: evil: explicit YAML tag '!!python/object/apply:os.system' is not allowed"),
    ("!!python/name on a key", "name: x\n? !!python/name:os.system\n: 1\n", "2: explicit YAML tag '!!python/name:os.system'"),
    ("a complex key", "name: x\n? [a, b]\n: 1\n", "2: ('a', 'b'): unknown key"),
    ("!!set", "name: x\ndescription: !!set {a, b}\n", "2: description: explicit YAML tag '!!set'"),
    ("!!timestamp", "name: x\ndescription: !!timestamp 2024-01-01\n", "2: description: explicit YAML tag '!!timestamp'"),
    ("a local tag", "name: !mine x\n", "1: name: explicit YAML tag '!mine'"),
    ("%TAG and a tag", "%TAG !e! tag:example.com,2000:\n---\nname: !e!x y\n", "3: name: explicit YAML tag"),
    ("10,000 nested lists", "name: x\nchanges: " + "[" * 9_990 + "\n", "2: the line nests more than 64 lists"),
    ("nested lists over lines", "name: x\nchanges:\n" + " [\n" * 5_000 + " ]\n" * 5_000, "invalid YAML: nested more than 32"),
    ("nested lists hiding brackets in quotes", "name: x\nchanges: " + '["]",' * 1_990 + "\n",
     "invalid YAML: nested more than 32 levels deep"),
    ("nested flow mappings", "name: x\nchanges: " + "{a: " * 2_400 + "\n", "2: the line nests more than 64"),
    ("%YAML 2.0", "%YAML 2.0\n---\nname: x\n", "1: the %YAML 2.0 directive is not supported"),
]


@pytest.mark.parametrize("source, needle", [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_yaml_features_beyond_plain_data_are_refused(tmp_path, source, needle):
    if isinstance(source, Path):
        path = source
    else:
        path = tmp_path / "s.yaml"
        path.write_text(source, encoding="utf-8")
    problems = _timed(validate_file, path)
    _assert_located(problems, path, needle)
    with pytest.raises(CorridorsError):
        load_scenario(path)


def test_yaml_12_directive_is_accepted_and_1_30_stays_text(tmp_path):
    path = scenario(tmp_path, "description: 1:30\n")
    path.write_text("%YAML 1.2\n---\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_scenario(path).description == "1:30"


def test_alias_bomb_is_refused_by_the_cli_in_bounded_memory():
    """The 'billion laughs' under a 1 GB address-space limit: exit 1 with file:line, in seconds."""
    bomb = BAD / "struct_alias_bomb.yaml"
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
        "from corridors.cli import main; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, "validate", str(bomb)], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert time.perf_counter() - start < 30
    assert out.returncode == 1, out.stderr[-2000:]
    assert f"{bomb}:3: invalid YAML: found the anchor '&a0'" in out.stderr
    assert "Traceback" not in out.stderr


# --------------------------------------------------------------------------- extends targets


def test_extends_targets_are_yaml_files_only_and_never_echoed(tmp_path):
    """``extends: /etc/shadow`` first: a file that is no YAML scenario is refused by name, its lines never shown."""
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$SALT$SECRETHASH:19000:0:99999:7:::\nuser: $6$MORESECRET\n", encoding="utf-8")
    (tmp_path / "shadow.yaml").symlink_to(secret)
    hash_line = "root:$6$SALT$" + "h" * 80 + "SECRETTAIL:19000:0:99999:7:::\n"
    (tmp_path / "secret.yaml").write_text(hash_line + "user:$6$MORESECRET:19000:0:99999:7:::\n" + hash_line, encoding="utf-8")
    (tmp_path / "secret1.yaml").write_text(hash_line, encoding="utf-8")
    (tmp_path / "adir.yaml").mkdir()
    (tmp_path / "loop_a.yaml").symlink_to(tmp_path / "loop_b.yaml")
    (tmp_path / "loop_b.yaml").symlink_to(tmp_path / "loop_a.yaml")
    (tmp_path / "file.yaml").write_text("name: f\n", encoding="utf-8")
    cases = [
        ("/etc/shadow", "the name does not end in .yaml or .yml, expected a YAML scenario file (.yaml or .yml)"),
        (str(secret), "the name does not end in .yaml or .yml"),
        ("shadow.yaml", "a link to a file whose name does not end in .yaml or .yml"),
        ("adir.yaml", "a directory, not a file"),
        ("loop_a.yaml", "a loop of symbolic links"),
        ('"a\\0b.yaml"', "the name contains a NUL character"),
        ("x" * 300 + ".yaml", "the name is too long for the file system"),
        ("d/" * 3000 + "x.yaml", "the name is too long for the file system"),
        ("file.yaml/x.yaml", "no such file, expected a path relative to this file"),
        ("secret.yaml", "3: invalid YAML: found duplicate key 'root:$6$SALT$hhhhhhhhhhhhhhhhhhhhhhhh...'"),
        ("secret1.yaml", "1: root:$6$SALT$hhhhhhhhhhhhhhhhhhhhhhhh...: unknown key 'root:$6$SALT$hhhhhhhhhhhhhhhhhhhhhhhh...'"),
    ]
    for target, needle in cases:
        path = tmp_path / "s.yaml"
        path.write_text(f"name: x\nextends: {target}\n", encoding="utf-8")
        problems = _timed(validate_file, path)
        assert not any("SECRET" in p for p in problems), problems
        if target.startswith("secret"):  # a .yaml file after all: an excerpt of 40 characters at most
            _assert_located(problems, tmp_path / target, needle)
            continue
        _assert_located(problems, path, "2: extends: cannot read '")
        assert any(needle in p for p in problems), (target, problems)
        with pytest.raises(CorridorsError):
            load_scenario(path)


def test_extends_chain_depth_is_bounded(tmp_path):
    for i in range(40):
        (tmp_path / f"c{i}.yaml").write_text(f"overlay: true\nextends: c{i + 1}.yaml\n", encoding="utf-8")
    (tmp_path / "c40.yaml").write_text("overlay: true\n", encoding="utf-8")
    problems = _timed(validate_file, tmp_path / "c0.yaml")
    assert problems == [f"{tmp_path / 'c31.yaml'}:2: extends: the extends chain is more than 32 files deep"]


# --------------------------------------------------------------------------- size limits


def _ten_mb_line(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text("name: " + "x" * 10_000_000 + "\n", encoding="utf-8")
    return path


def _many_lines(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n" + ("# " + "c" * 98 + "\n") * (MAX_SCENARIO_BYTES // 100 + 1), encoding="utf-8")
    return path


def _long_line(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\ndescription: " + "d" * MAX_LINE_CHARS + "\n", encoding="utf-8")
    return path


def _big_network(tmp_path: Path) -> Path:
    path = tmp_path / "net.geojson"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [], "pad": "')
        fh.write("p" * MAX_NETWORK_BYTES)
        fh.write('"}')
    return path


def _long_network_text(tmp_path: Path) -> Path:
    return _mutated(tmp_path, lambda d: _set(d, (*NODE, "properties", "name"), "n" * 10_000_001))


SIZE_CASES = [
    ("a 10 MB line", _ten_mb_line, "the file is larger than 512 KB, the limit for a scenario file", False),
    ("a file over 512 KB", _many_lines, "the file is larger than 512 KB", False),
    ("a line over 10,000 characters", _long_line, "2: the line has 10,013 characters, more than the limit of 10,000", True),
    ("a network over 20 MB", _big_network, "the file is larger than 20 MB, the limit for a network file", False),
    ("a 10 MB network property", _long_network_text,
     "properties.name: got a text of 10,000,001 characters, expected at most 10,000", True),
]


@pytest.mark.parametrize("make, needle, line", [c[1:] for c in SIZE_CASES], ids=[c[0] for c in SIZE_CASES])
def test_size_limits_are_checked_before_parsing(tmp_path, make, needle, line):
    path = make(tmp_path)
    reader = read_network if path.suffix == ".geojson" else load_scenario
    with pytest.raises(CorridorsError) as info:
        _timed(reader, path)
    _assert_located(info.value.problems, path, needle, line=line)


def test_a_file_at_the_limits_still_reads(tmp_path):
    text = textwrap.dedent(f"""\
        description: "{'d' * (MAX_LINE_CHARS - 20)}"
        """)
    path = scenario(tmp_path, text)
    assert len(load_scenario(path).description) == MAX_LINE_CHARS - 20


def test_a_fifo_or_a_directory_is_refused_without_waiting(tmp_path):
    for name in ("fifo.yaml", "fifo.geojson"):
        os.mkfifo(tmp_path / name)  # opening it would wait for a writer
    (tmp_path / "dir.yaml").mkdir()
    assert _timed(validate_file, tmp_path / "fifo.yaml") == [f"{tmp_path / 'fifo.yaml'}: cannot read: not a regular file"]
    assert _timed(validate_file, tmp_path / "dir.yaml") == [f"{tmp_path / 'dir.yaml'}: cannot read: a directory, not a file"]
    for path in (tmp_path / "fifo.geojson", tmp_path):
        with pytest.raises(NetworkError, match="cannot read: (not a regular file|a directory, not a file)"):
            _timed(read_network, path)
