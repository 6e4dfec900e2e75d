"""Scenario files: YAML in, a typed :class:`~corridors.model.RunSpec` out.

A scenario names a network file, changes to it (lines opened, sections
upgraded, closures), the freight demand, and operating and simulation
settings. Files can build on each other with ``extends``; a file with
``overlay: true`` is a partial file (typically one build-out project) meant
to be combined with others. The format and the merge rules are written out
in ``docs/scenario-format.md``; this package is their single implementation.

Public functions
----------------
:func:`load_scenario`
    Read, merge, validate and resolve one scenario into a :class:`RunSpec`.
:func:`compose`
    Resolve a base scenario plus overlays in memory (as if a file extended them);
    an in-memory part can be a :class:`LocatedDoc`, whose keys are reported at
    the file and line they stand for (a sweep file's settings).
:func:`validate_file`
    The list of problems of one file (a scenario or an overlay); never raises.
:func:`direct_overlays`
    The overlay files a scenario file extends directly (a build-out's projects).
:func:`resolved_dict`, :func:`dump_resolved_yaml`
    The fully resolved scenario as plain data / YAML text (``corridors show``,
    ``scenario.resolved.yaml``).

Where things live
-----------------
``load``
    Reading YAML with the line of every key, the ``extends`` chain, merging.
``schema``
    Pydantic models of the file and their messages (by pydantic error type).
``changes``
    One handler per ``changes`` kind (:data:`CHANGE_KINDS`).
``demand``
    Cargo classes, flows (volumes, seasonal profile, via/avoid, route check)
    and disruptions.
``resolve``
    The pipeline from a file (or composed documents) to a :class:`RunSpec`.
``resolved``
    The resolved scenario as data and YAML.
``problems``
    Located messages (``file:line: path.to.key: ...``) and their wording.

Every problem is reported as one line ``file:line: path.to.key: what is wrong,
expected ...``, where *file* and *line* are those of the file (possibly a
parent named in ``extends``) that holds the offending key, and *path* is the
key's path inside that file. All problems of a file are collected before
anything is raised.

YAML is read with ruamel.yaml's round-trip loader, which never constructs
arbitrary Python objects; explicit tags (``!!python/...``) are rejected.
"""

from __future__ import annotations

from corridors.scenario.changes import CHANGE_KINDS
from corridors.scenario.load import LocatedDoc, direct_overlays
from corridors.scenario.resolve import compose, load_scenario, validate_file
from corridors.scenario.resolved import dump_resolved_yaml, resolved_dict
from corridors.scenario.schema import TOP_LEVEL_KEYS

__all__ = [
    "CHANGE_KINDS",
    "LocatedDoc",
    "TOP_LEVEL_KEYS",
    "compose",
    "direct_overlays",
    "dump_resolved_yaml",
    "load_scenario",
    "resolved_dict",
    "validate_file",
]
