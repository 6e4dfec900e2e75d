"""Policy brief: a short, sendable document written from a result folder.

``corridors brief RESULT_DIR`` reads the folder of ``corridors compare`` (or of
a single ``corridors run``) and writes the same brief as

* **HTML**, self-contained: the figures are embedded as data URIs, the style
  sheet is inline, there are no scripts, fonts or other external resources; it
  reads on screen and prints on 4-6 A4 pages (print CSS);
* **Markdown**, with the PNG figures copied beside it, for pasting into other
  documents;
* **PDF**, printed from the HTML by headless Chromium (``--print-to-pdf``).

Nothing is simulated again: every number in the brief is read from the files
of the result folder (``comparison.json``, ``capacity-*.json``,
``attribution.csv``, ``summary.json``, ``sections.csv``, ``crossings.csv``,
``nodes.csv``, ``scenario.resolved.yaml``, ``run.json``). The key messages
are sentences built from those numbers, never typed in. The sources appendix
reads the network's ``references.yaml``.

Where things are, in the order a brief is made:

=============  =====================================================================
``read``       read and check the result folder (:func:`read_result`, ``ResultError``)
``format``     number and name formats (Mt/yr, %, ± precision, ``before → after``)
``names``      names of elements, places, corridors, projects, fields and rules
``document``   the typed blocks a brief is made of (headings, paragraphs, lists, tables, figures)
``messages``   the key messages
``tables``     attribution, delivery, corridor-indicator and bottleneck tables
``markets``    the headline table and the section of each market
``charts``     the compact market figures the brief draws itself
``glossary``   the terms, defined once
``sources``    the bibliography of the appendix
``method``     the method and the appendix (sources, operating rules, input files)
``caveats``    the caveats
``content``    :func:`build_brief`: the sections in order
``render``     blocks to HTML and to Markdown
``layout``     checks of the printed PDF (page fill, figure size, text on the page)
``write``      formats, file names, PDF printing, :func:`write_brief`
=============  =====================================================================

The content is built once as blocks; one renderer turns them into HTML,
another into Markdown, so the formats cannot drift apart.

It sits near the end of the dependency order: it reads result files, and
takes its words and figures from :mod:`corridors.elements` (direction
words), :mod:`corridors.network` (place names), :mod:`corridors.viz` (the
market figures) and :mod:`corridors.results` (``RESULT_FORMAT``); nothing
upstream imports it.
"""

from corridors.brief.content import build_brief
from corridors.brief.read import ResultFolder, RunFolder, read_result
from corridors.brief.write import FORMATS, BriefError, find_browser, write_brief

__all__ = ["FORMATS", "BriefError", "ResultFolder", "RunFolder", "build_brief", "find_browser", "read_result",
           "write_brief"]
