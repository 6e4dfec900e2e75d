"""Write the brief's files: choose the formats and file names, stage, print the PDF, move into place.

The files appear only when every asked format was written: each is staged in a
temporary folder beside the targets and moved into place at the end. The PDF is
the HTML printed by headless Chromium (``--print-to-pdf``), found on ``PATH``
unless given.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from corridors.brief.content import build_brief
from corridors.brief.document import Brief
from corridors.brief.layout import check_pdf, have_poppler
from corridors.brief.read import read_result
from corridors.brief.render import render_html, render_markdown
from corridors.errors import CorridorsError, ResultError

log = logging.getLogger(__name__)

__all__ = ["BROWSER_NAMES", "FORMATS", "BriefError", "find_browser", "print_pdf", "write_brief"]

#: Output formats, in the order they are written.
FORMATS: tuple[str, ...] = ("html", "md", "pdf")

#: Browser executables tried, in order, when none is given.
BROWSER_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Command-line flags for headless Chromium that work as root, offline and without a display.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars",
)


class BriefError(CorridorsError):
    """The brief cannot be written as asked (unknown format, no PDF renderer, renderer failed)."""


# --------------------------------------------------------------------------- PDF

def find_browser(browser: str | os.PathLike | None = None) -> str | None:
    """Find the Chromium executable to print PDFs with.

    Parameters
    ----------
    browser
        A path (must be an executable file) or a command name (looked up on ``PATH``); default: the first of
        :data:`BROWSER_NAMES` on ``PATH``.

    Returns
    -------
    str or None
        The executable, or ``None`` when there is none.
    """
    if browser is not None:
        b = str(browser)
        if os.sep in b:
            return b if Path(b).is_file() and os.access(b, os.X_OK) else None
        return shutil.which(b)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _no_browser_message() -> str:
    """Say that Chromium is missing, where it was looked for, and how to install it or do without."""
    return ("PDF output needs headless Chromium, which was not found (tried "
            + ", ".join(BROWSER_NAMES) + " on PATH). Install it (Debian/Ubuntu: 'apt-get install chromium'), "
            "or leave PDF out: --format html,md")


def print_pdf(html_file: Path, pdf_file: Path, *, browser: str, timeout_s: float = 180.0) -> None:
    """Print an HTML file to PDF (A4, the page size its CSS asks for) with headless Chromium.

    Parameters
    ----------
    html_file
        The HTML document (self-contained: Chromium runs offline).
    pdf_file
        The PDF to write.
    browser
        Chromium executable, see :func:`find_browser`.
    timeout_s
        Seconds Chromium may take before it is stopped.

    Raises
    ------
    BriefError
        Chromium failed, timed out or wrote no PDF.
    """
    with tempfile.TemporaryDirectory(prefix="corridors-chromium-") as profile:
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_file}", html_file.resolve().as_uri()]
        log.debug("printing PDF: %s", " ".join(cmd))
        try:
            proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout_s,
                                  env={**os.environ, "HOME": profile}, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise BriefError(f"{browser} did not print the PDF within {timeout_s:.0f} s") from None
        except OSError as exc:
            raise BriefError(f"could not start {browser}: {exc}") from None
    ok = pdf_file.is_file() and pdf_file.read_bytes()[:5] == b"%PDF-"
    if proc.returncode != 0 or not ok:
        tail = "\n".join(line for line in proc.stderr.splitlines()[-5:] if "dbus" not in line)
        raise BriefError(f"{browser} failed to print the PDF (exit status {proc.returncode})"
                         + (f":\n{tail}" if tail else ""))


# --------------------------------------------------------------------------- writing

def _parse_formats(formats: Iterable[str] | str) -> list[str]:
    """Return the asked formats in :data:`FORMATS` order (``markdown`` and ``htm`` accepted); ``BriefError``."""
    if isinstance(formats, str):
        formats = formats.split(",")
    wanted = []
    for f in formats:
        f = f.strip().lower().lstrip(".")
        f = {"markdown": "md", "htm": "html"}.get(f, f)
        if not f:
            continue
        if f not in FORMATS:
            raise BriefError(f"unknown brief format '{f}'; choose from {', '.join(FORMATS)}")
        if f not in wanted:
            wanted.append(f)
    if not wanted:
        raise BriefError(f"no brief format given; choose from {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in wanted]


def _targets(result_dir: Path, out: str | Path | None, formats: Sequence[str]) -> dict[str, Path]:
    """``format -> file``: ``out`` names the file (any one extension) or a folder; default ``RESULT_DIR/brief.*``."""
    if out is None:
        stem = result_dir / "brief"
    else:
        o = Path(out)
        if o.is_dir():
            stem = o / "brief"
        elif o.suffix.lower().lstrip(".") in (*FORMATS, "markdown", "htm"):
            stem = o.with_suffix("")
        else:
            stem = o
    return {f: stem.with_name(f"{stem.name}.{f}") for f in formats}



def _write_staged(br: Brief, fmts: Sequence[str], targets: dict[str, Path], chrome: str | None,
                  pages: tuple[int, int] | None = None) -> list[Path]:
    """Render every format into a temporary folder beside the targets, then move them all into place.

    ``pages`` is the page count the printed PDF should have (checked and logged, never enforced).
    """
    written: list[Path] = []
    parent = next(iter(targets.values())).parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".brief-", dir=parent) as tmpd:
        tmp = Path(tmpd)
        staged: dict[str, Path] = {}
        html_text = render_html(br) if ("html" in fmts or "pdf" in fmts) else ""
        if html_text:
            (tmp / "brief.html").write_text(html_text, encoding="utf-8")
        if "html" in fmts:
            staged["html"] = tmp / "brief.html"
        if "md" in fmts:
            (tmp / "brief.md").write_text(render_markdown(br), encoding="utf-8")
            staged["md"] = tmp / "brief.md"
        if "pdf" in fmts:
            print_pdf(tmp / "brief.html", tmp / "brief.pdf", browser=chrome)
            staged["pdf"] = tmp / "brief.pdf"
            _report_layout(tmp / "brief.pdf", targets["pdf"], pages)
        for f in fmts:
            os.replace(staged[f], targets[f])
            written.append(targets[f])
    return written


#: The pages a compare brief is written to fill.
COMPARE_PAGES = (4, 6)


def _report_layout(pdf: Path, target: Path, pages: tuple[int, int] | None) -> None:
    """Check the printed pages (:func:`~corridors.brief.layout.check_pdf`) and log what a reader would notice."""
    if not have_poppler():
        log.info("poppler-utils not installed: the PDF's layout is not checked")
        return
    try:
        report = check_pdf(pdf, pages=pages)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.warning("%s: could not check the layout (%s)", target, exc)
        return
    log.info("%s: %d pages", target, report.pages)
    for problem in report.problems:
        log.warning("%s: %s", target, problem)


def _copy_figures(br: Brief, md_file: Path) -> list[Path]:
    """Copy the figures beside the Markdown file, unless they already are there."""
    written = []
    md_dir = md_file.parent.resolve()
    for fig in br.figures:
        dest = md_dir / fig.path.name
        if fig.path.resolve().parent == md_dir or (dest.exists() and dest.samefile(fig.path)):
            continue
        shutil.copyfile(fig.path, dest)
        written.append(md_file.parent / fig.path.name)
    return written


def write_brief(
    result_dir: str | Path,
    *,
    formats: Iterable[str] | str = FORMATS,
    out: str | Path | None = None,
    browser: str | os.PathLike | None = None,
    today: datetime.date | None = None,
) -> list[Path]:
    """Write the policy brief of a ``compare`` or ``run`` result folder.

    Nothing is simulated; every number comes from the folder's files. The
    files appear only when all asked formats were written (no half-written
    brief is left behind).

    Parameters
    ----------
    result_dir
        Output folder of ``corridors compare`` or ``corridors run``.
    formats
        Any of ``"html"``, ``"md"``, ``"pdf"`` (a sequence, or one comma-separated string).
    out
        Where to write: a file name (its extension is replaced per format, so
        ``--out report.html`` gives ``report.html``, ``report.md`` and
        ``report.pdf``) or an existing folder (``brief.*`` inside it).
        Default: ``RESULT_DIR/brief.*``. The Markdown's figures are copied
        beside it when it is not in the result folder.
    browser
        Chromium executable for the PDF (default: found on ``PATH``, see :func:`find_browser`).
    today
        Date printed on the brief (default: today).

    Returns
    -------
    list of Path
        The files written: the brief in each format, then the figures copied for the Markdown.

    Raises
    ------
    ResultError
        ``result_dir`` is not a readable result folder of a compatible version.
    BriefError
        Unknown format, or PDF asked but Chromium missing or failing (checked
        before anything is written).
    """
    fmts = _parse_formats(formats)
    result = read_result(result_dir)
    chrome = None
    if "pdf" in fmts:
        chrome = find_browser(browser)
        if chrome is None:
            raise BriefError(_no_browser_message())
    targets = _targets(result.path, out, fmts)
    # The brief's own figures are drawn into a temporary folder: embedded in
    # the HTML and PDF, copied beside the Markdown; nothing else is left behind.
    try:
        with tempfile.TemporaryDirectory(prefix="corridors-brief-figures-") as figures:
            try:
                br = build_brief(result, today=today, figure_dir=Path(figures))
            except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
                # The reader checks the files' shape; a value of the wrong kind deeper inside one (a text for a
                # number, a list for a mapping) is a damaged folder, not a bug to show as a traceback.
                raise ResultError(f"{result.path}: a result file holds a value of the wrong kind "
                                  f"({type(exc).__name__}: {exc}); run the comparison again") from None
            written = _write_staged(br, fmts, targets, chrome, COMPARE_PAGES if result.kind == "compare" else None)
            if "md" in fmts:
                written += _copy_figures(br, targets["md"])
    except OSError as exc:
        raise BriefError(f"cannot write the brief to {next(iter(targets.values())).parent}: "
                         f"{exc.strerror or exc}") from None
    for p in written:
        log.info("brief written: %s", p)
    return written
