"""Policy brief: a short, sendable document written from a result folder.

``corridors brief RESULT_DIR`` reads the folder of ``corridors compare`` (or of
a single ``corridors run``) and writes the same brief as

* **HTML**, self-contained: the figures are embedded as data URIs, the style
  sheet is inline, there are no scripts, fonts or other external resources; it
  reads on screen and prints on A4 (print CSS, page breaks before the maps);
* **Markdown**, with the PNG figures copied beside it, for pasting into other
  documents;
* **PDF**, printed from the HTML by headless Chromium (``--print-to-pdf``).

Nothing is simulated again: every number in the brief is read from the files
of the result folder (``comparison.json``, ``summary.json``, ``sections.csv``,
``crossings.csv``, ``scenario.resolved.yaml``, ``run.json``). The key messages
are sentences built from those numbers, never typed in.

Where things are, in the order a brief is made:

=============  =====================================================================
``read``       read and check the result folder (:func:`read_result`, ``ResultError``)
``format``     number and name formats (Mt/yr, %, ± precision, ``before → after``)
``names``      element names and kinds in sentences and tables
``document``   the typed blocks a brief is made of (headings, paragraphs, lists, tables, figures)
``messages``   the key messages
``tables``     capacity, delivery, corridor-indicator and bottleneck tables
``method``     the "Method and assumptions" section
``caveats``    the caveats
``content``    :func:`build_brief`: the sections in order
``render``     blocks to HTML and to Markdown
``write``      formats, file names, PDF printing, :func:`write_brief`
=============  =====================================================================

The content is built once as blocks; one renderer turns them into HTML,
another into Markdown, so the formats cannot drift apart.

This is a leaf package like :mod:`corridors.pipeline`: it reads result files
and imports nothing but :mod:`corridors.errors`, :mod:`corridors.results`
(for ``RESULT_FORMAT``) and the package constants.
"""

from corridors.brief.content import build_brief
from corridors.brief.read import ResultFolder, RunFolder, read_result
from corridors.brief.write import FORMATS, BriefError, find_browser, write_brief

__all__ = ["FORMATS", "BriefError", "ResultFolder", "RunFolder", "build_brief", "find_browser", "read_result",
           "write_brief"]
