"""Plain YAML only: a scenario file's text within limits, composed without YAML's riskier features.

A scenario is plain data (mappings, lists, text, numbers, true/false, null),
so the reader refuses, with the file and line, everything beyond that which
could make reading slow, huge or ambiguous:

* a file over :data:`MAX_SCENARIO_BYTES` or a line over :data:`MAX_LINE_CHARS`
  (ruamel.yaml's pure-Python parser is superlinear in a line's length and its
  flow nesting; a line may open at most :data:`MAX_FLOW_OPEN` ``[``/``{``);
* text that is not UTF-8;
* a ``%YAML`` directive other than ``%YAML 1.2`` (YAML 1.1 reads ``1:30`` as
  the number 90 and ``no`` as false: files are always read as YAML 1.2);
* anchors and aliases (``&a`` / ``*a``): no alias is ever expanded, so a
  "billion laughs" file cannot grow in memory; values are shared through
  ``extends`` instead;
* merge keys (``<<:``), which need anchors to be useful;
* nesting deeper than :data:`MAX_DEPTH` (scenario files nest 5 levels).

Explicit tags (``!!omap``, ``!!binary``, ``!!python/...``) are not refused
here but recorded with their key path, read as plain data and then reported by
the caller, so that they are listed with every other problem of the file.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode

from corridors.scenario.problems import KeyPath, excerpt

#: Largest scenario file read (the shipped ones are under 16 KB; a file at the limit,
#: some 5,000 one-line flows, reads in about ten seconds).
MAX_SCENARIO_BYTES = 512 * 1024
#: Longest line of a scenario file, in characters.
MAX_LINE_CHARS = 10_000
#: Most flow collections (``[`` or ``{``) a line may nest.
MAX_FLOW_OPEN = 64
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 32
#: File name endings accepted for a file named in ``extends``.
YAML_SUFFIXES = (".yaml", ".yml")
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class PlainYaml:
    """A file read as plain YAML.

    Attributes
    ----------
    node
        The round-trip top node (None for an empty document).
    tags
        Explicit tags met, as ``(key path, line, tag)``; their values were
        read as if untagged.
    """

    node: Any
    tags: list[tuple[KeyPath, int, str]] = field(default_factory=list)


#: Longest plain number read (digits, sign, point, exponent, underscores): below Python's
#: 4,300-digit limit for reading integers; any plausible value is far shorter.
MAX_NUMBER_CHARS = 4_000
_LONG_NUMBER = re.compile(r"[-+]?[0-9_.]+(?:[eE][-+]?[0-9_]+)?|[-+]?0[xXoObB][0-9a-fA-F_]+")


class _PlainComposer(Composer):
    """A composer that refuses anchors, aliases, merge keys, YAML 1.1 and deep nesting."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.path: list[Any] = []
        self.tags: list[tuple[KeyPath, int, str]] = []

    def compose_document(self) -> Any:
        event = self.parser.peek_event()
        version = getattr(event, "version", None) if isinstance(event, DocumentStartEvent) else None
        if version is not None and tuple(version) != (1, 2):
            raise ComposerError(None, None, _directive_message(version), event.start_mark)
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent) or event.anchor is not None:
            sign = "*" if isinstance(event, AliasEvent) else "&"
            raise ComposerError(
                None,
                None,
                f"found the {'alias' if sign == '*' else 'anchor'} '{sign}{excerpt(str(event.anchor))}': "
                "YAML anchors and aliases are not supported, expected plain data "
                "(write the value out, or share it through extends)",
                event.start_mark,
            )
        if len(self.path) >= MAX_DEPTH:
            raise ComposerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep, expected a scenario's plain data",
                event.start_mark,
            )
        is_key = isinstance(parent, MappingNode) and index is None
        if isinstance(index, ScalarNode):
            self.path.append(index.value)
        else:  # a list index; the root or a key (None); a complex key ("?")
            self.path.append(index if index is None or isinstance(index, int) else "?")
        value = getattr(event, "value", None)
        if (isinstance(value, str) and getattr(event, "style", None) is None and len(value) > MAX_NUMBER_CHARS
                and _LONG_NUMBER.fullmatch(value)):
            # Python refuses to read integers of over 4,300 digits (shorter ones reach the ranges)
            where = ".".join(str(k) for k in self.path if k is not None)
            raise ComposerError(
                None, None,
                f"{excerpt(where)}: a number of {len(value):,} characters, expected a number of at most "
                f"{MAX_NUMBER_CHARS:,} characters (see the accepted ranges in docs/scenario-format.md)",
                event.start_mark,
            )
        ctag = getattr(event, "ctag", None)
        if ctag is not None and str(ctag) != "!":
            # a tagged key is reported (and its value dropped) at the path it names
            own = (excerpt(str(getattr(event, "value", "?"))),) if is_key else ()
            path = (*(k for k in self.path if k is not None), *own)
            tag = str(ctag).replace("tag:yaml.org,2002:", "!!")
            self.tags.append((path, event.start_mark.line + 1, excerpt(tag)))
            event.ctag = None  # read as plain data; the caller reports the tag
        node = super().compose_node(parent, index)
        self.path.pop()
        if is_key and str(node.tag) == _MERGE_TAG:
            raise ComposerError(
                None, None,
                "found a merge key '<<': YAML merge keys are not supported, expected plain keys "
                "(share values through extends)",
                node.start_mark,
            )
        return node


def _directive_message(version: Any) -> str:
    return (
        f"the %YAML {'.'.join(map(str, version))} directive is not supported: scenario files are read "
        "as YAML 1.2 (where 1:30 is text, not the number 90); remove the directive"
    )


def _text_problem(display: str, text: str) -> str | None:
    """Return why the text is too long in a line or nests too deep on one line, or a YAML 1.1 directive."""
    lines = text.split("\n")
    for n, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            return (
                f"{display}:{n}: the line has {len(line):,} characters, more than the limit of "
                f"{MAX_LINE_CHARS:,} for a scenario file"
            )
        if line.count("[") + line.count("{") > MAX_FLOW_OPEN and _flow_depth(line) > MAX_FLOW_OPEN:
            return (
                f"{display}:{n}: the line nests more than {MAX_FLOW_OPEN} lists or mappings, "
                "expected a scenario's plain data"
            )
    m = re.search(r"^\ufeff?%YAML[ \t]+(\S+)", text, re.MULTILINE)
    if m and m.group(1) != "1.2":
        return f"{display}:{text.count(chr(10), 0, m.start()) + 1}: {_directive_message([m.group(1)[:8]])}"
    return None


def _flow_depth(line: str) -> int:
    """Deepest nesting of ``[``/``{`` on one line (quotes ignored: a bound, not a parse)."""
    depth = deepest = 0
    for ch in line:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}" and depth:
            depth -= 1
    return deepest


def _read_text(display: str) -> str:
    """Return the file's text (at most :data:`MAX_SCENARIO_BYTES` read); raise ValueError with the message."""
    why = file_problem(display)  # first: opening a FIFO would wait for a writer
    if why is not None:
        raise ValueError(f"{excerpt(display, 120)}: cannot read: {why}")
    try:
        with open(display, "rb") as fh:
            raw = fh.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"{excerpt(display, 120)}: cannot read: {exc.strerror or exc}") from None
    except ValueError:
        raise ValueError(f"{excerpt(display, 120)}: cannot read: the name contains a NUL character") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ValueError(
            f"{display}: the file is larger than {MAX_SCENARIO_BYTES // 1024} KB, the limit for a scenario file"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValueError(f"{display}:{line}: cannot read: not UTF-8 text ({exc.reason})") from None


def read_plain_yaml(display: str) -> PlainYaml | str:
    """Read a file as plain YAML 1.2.

    Parameters
    ----------
    display
        The file's path, as it should appear in messages.

    Returns
    -------
    PlainYaml or str
        The document, or the one located message (``file:line: ...``) that
        says why it cannot be read: unreadable, over a size limit, not UTF-8,
        invalid YAML, or a YAML feature refused (see the module docstring).
    """
    try:
        text = _read_text(display)
    except ValueError as exc:
        return str(exc)
    problem = _text_problem(display, text)
    if problem is not None:
        return problem
    yaml = YAML(typ="rt", pure=True)
    yaml.Composer = _PlainComposer
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "syntax error"
        # ruamel quotes a duplicate key and its values in full: quote an excerpt of the key only
        what = re.sub(r'(found duplicate key) "(.*?)" with value .*', lambda m: f"{m[1]} '{excerpt(m[2])}'", what)
        return f"{display}:{line}: invalid YAML: {excerpt(what, 160)}"
    except YAMLError as exc:
        return f"{display}:1: invalid YAML: {excerpt(str(exc), 160)}"
    return PlainYaml(node, yaml.composer.tags)


def file_problem(path: str, suffixes: tuple[str, ...] = ()) -> str | None:
    """Return why ``path`` cannot be read as a regular file (None when it can).

    Parameters
    ----------
    path
        A file name as resolved from the file that names it.
    suffixes
        If given, the name and the file it leads to (through symbolic links)
        must end in one of these (case ignored).

    Returns
    -------
    str or None
        ``no such file``, ``the name contains a NUL character``, ``the name is
        too long for the file system``, ``a loop of symbolic links``,
        ``a directory``, ``not a regular file``, a wrong ending, or another
        reason of the system; None when the file can be read.
    """
    if "\0" in path:
        return "the name contains a NUL character"
    if suffixes and not path.lower().endswith(suffixes):
        return f"the name does not end in {' or '.join(suffixes)}"
    try:
        st = os.stat(path)
    except OSError as exc:
        return {
            errno.ENOENT: "no such file",
            errno.ENOTDIR: "no such file",
            errno.ENAMETOOLONG: "the name is too long for the file system",
            errno.ELOOP: "a loop of symbolic links",
        }.get(exc.errno, exc.strerror or str(exc))
    if stat.S_ISDIR(st.st_mode):
        return "a directory, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if suffixes and not os.path.realpath(path).lower().endswith(suffixes):
        return f"a link to a file whose name does not end in {' or '.join(suffixes)}"
    return None
