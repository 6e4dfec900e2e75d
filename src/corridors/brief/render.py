"""Render a :class:`~corridors.brief.document.Brief` as HTML or as Markdown, in memory.

Both renderers walk the same blocks and only mark them up: the HTML is one
self-contained document (figures as ``data:`` URIs, inline style sheet with a
print style for A4, no scripts, fonts or links to load); the Markdown (GitHub
flavour) links the figures by file name, to sit beside it.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from corridors import __version__
from corridors.brief.document import Block, Brief, Bullets, Figure, Heading, Para, Table

__all__ = ["CSS", "render_html", "render_markdown"]

#: The style sheet of the HTML brief: screen, and print on A4 (page breaks before ``.page`` blocks).
CSS = """
:root { --ink: #1b1f24; --muted: #5a6470; --rule: #cfd6de; --accent: #1f5f8b; --band: #eef3f7; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0 auto; padding: 24px 28px 48px; max-width: 980px; color: var(--ink);
       font-family: "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif; line-height: 1.45;
       overflow-wrap: break-word; }
h1 { font-size: 1.65rem; line-height: 1.2; margin: 0 0 .5rem; color: var(--accent); }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid var(--accent);
     color: var(--accent); break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1rem; margin: 1.1rem 0 .35rem; break-after: avoid; page-break-after: avoid; }
header p { margin: .15rem 0; }
header { border-bottom: 1px solid var(--rule); padding-bottom: .6rem; }
p, li { max-width: 100%; }
ul { padding-left: 1.3rem; margin: .4rem 0; }
li { margin: .25rem 0; }
ul.key { background: var(--band); border-left: 4px solid var(--accent); padding: .6rem 1rem .6rem 1.8rem;
         break-inside: avoid; page-break-inside: avoid; }
ul.key li { margin: .35rem 0; }
ul.sources { font-size: .72rem; color: var(--muted); columns: 2; column-gap: 1.4rem; padding-left: 1rem; }
ul.sources li { margin: 0 0 .08rem; overflow-wrap: anywhere; break-inside: avoid; }
ul.glossary, ul.columns { font-size: .74rem; columns: 2; column-gap: 1.4rem; padding-left: 1rem; }
ul.glossary li, ul.columns li { margin: 0 0 .12rem; break-inside: avoid; }
.small { font-size: .8rem; color: var(--muted); }
p.sources { font-size: .7rem; color: var(--muted); text-align: justify; }
a { color: var(--accent); overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .2rem; font-size: .8rem;
        font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .35rem; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
th { background: var(--band); font-weight: bold; overflow-wrap: normal; word-break: normal; }
.tbl.keep { break-inside: avoid; page-break-inside: avoid; }
table.capacity td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
table.corridors td.num, table.attribution td.num { white-space: normal; }
table.files td { overflow-wrap: anywhere; word-break: break-all; }
tr { break-inside: avoid; page-break-inside: avoid; }
.note { font-size: .75rem; color: var(--muted); margin: .15rem 0 .8rem; }
figure { margin: .8rem 0 1rem; break-inside: avoid; page-break-inside: avoid; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figure.wide img { width: 100%; }
figure.market { margin: .3rem 0 .4rem; }
figure.market img { width: 100%; border: none; }
table.market td:first-child { white-space: nowrap; }
figcaption { font-size: .8rem; color: var(--muted); margin-top: .3rem; text-align: left; }
footer { margin-top: 2rem; font-size: .75rem; color: var(--muted); border-top: 1px solid var(--rule);
         padding-top: .4rem; }
@page { size: A4; margin: 14mm 13mm 16mm; }
@media print {
  html { font-size: 9.5pt; }
  h1 { font-size: 1.4rem; margin-bottom: .3rem; }
  header { font-size: .8rem; padding-bottom: .25rem; }
  header p { margin: .05rem 0; }
  h2 { margin: .7rem 0 .35rem; }
  h3 { margin: .6rem 0 .25rem; }
  ul.key { padding: .4rem .8rem .4rem 1.6rem; margin: .3rem 0; }
  ul.key li { margin: .12rem 0; }
  figure { margin: .4rem 0 .5rem; }
  td, th { padding: .15rem .3rem; }
  table.capacity td, table.capacity th { padding: .12rem .35rem; }
  .note { margin-bottom: .5rem; }
  body { max-width: none; padding: 0; }
  figure.page, h2.page { break-before: page; page-break-before: always; }
  figure img { max-height: 225mm; width: auto; border: none; }
  figure.wide { margin: .3rem 0 0; }
  figure.wide img { width: 100%; max-height: 104mm; object-fit: contain; }
  figure.market img { width: 100%; max-height: 62mm; object-fit: contain; }
  a { color: inherit; text-decoration: none; }
  ul.key { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_URL = re.compile(r"https?://[^\s<>\"']+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline_html(text: str) -> str:
    """Escape ``text``; mark up ``**bold**``, ``code`` and URLs (trailing punctuation stays outside the link)."""
    out, pos = [], 0
    for m in _URL.finditer(text):
        url = m.group(0)
        trail = ""
        while url and url[-1] in ".,;:)]":
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            trail = url[-1] + trail
            url = url[:-1]
        out.append(_markup(text[pos:m.start()]))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>{html.escape(trail)}')
        pos = m.end()
    out.append(_markup(text[pos:]))
    return "".join(out)


def _markup(text: str) -> str:
    """Escape text (no URLs in it) and mark up ``**bold**`` and ``code`` spans."""
    t = html.escape(text, quote=False)
    t = _BOLD.sub(r"<strong>\1</strong>", t)
    return _CODE.sub(r"<code>\1</code>", t)


def _data_uri(path: Path) -> str:
    """Return a PNG file as a ``data:`` URI."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _css_class(css: str) -> str:
    """Return the ``class`` attribute for a block's CSS class (``""`` for none)."""
    return f' class="{css}"' if css else ""


def _html_table(b: Table) -> str:
    """Mark up a table with its note; tables up to 15 rows are kept on one page in print."""
    num = [' class="num"' if j in b.numeric else "" for j in range(len(b.columns))]
    head = "".join(f"<th{num[j]}>{_inline_html(c)}</th>" for j, c in enumerate(b.columns))
    body = "".join("<tr>" + "".join(f"<td{num[j]}>{_inline_html(c)}</td>" for j, c in enumerate(row))
                   + "</tr>" for row in b.rows)
    keep = " keep" if len(b.rows) <= 15 else ""
    note = f'<p class="note">{_inline_html(b.note)}</p>' if b.note else ""
    return (f'<div class="tbl{keep}"><table{_css_class(b.css)}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{note}</div>")


def _html_block(b: Block) -> str:
    """Mark up one block as HTML."""
    if isinstance(b, Heading):
        return f"<h{b.level}{_css_class('page' if b.page else '')}>{_inline_html(b.text)}</h{b.level}>"
    if isinstance(b, Para):
        return f"<p{_css_class(b.css)}>{_inline_html(b.text)}</p>"
    if isinstance(b, Bullets):
        return f"<ul{_css_class(b.css)}>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Table):
        return _html_table(b)
    if isinstance(b, Figure):
        css = " ".join(c for c in ("page" if b.page else "", b.css) if c)
        return (f'<figure{_css_class(css)}><img src="{_data_uri(b.path)}" '
                f'alt="{html.escape(b.caption, quote=True)}">'
                + (f"<figcaption>{_inline_html(b.caption)}</figcaption>" if b.show_caption else "") + "</figure>")
    raise TypeError(f"not a block of a brief: {type(b).__name__}")


def render_html(br: Brief) -> str:
    """Render the brief as one self-contained HTML document.

    Parameters
    ----------
    br
        The content, from :func:`~corridors.brief.content.build_brief`.

    Returns
    -------
    str
        The document (UTF-8 text ending in a newline): figures as data URIs, inline CSS, no scripts.

    Raises
    ------
    OSError
        A figure's PNG cannot be read.
    """
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{html.escape(br.title)}</title>",
             f'<meta name="generator" content="corridors {html.escape(__version__)}">',
             f"<style>{CSS}</style>", "</head>", "<body>", "<header>", f"<h1>{html.escape(br.title)}</h1>"]
    parts += [f"<p>{_inline_html(h)}</p>" for h in br.header]
    parts.append("</header>")
    parts += [_html_block(b) for b in br.blocks]
    parts.append(f"<footer>Written by corridors {html.escape(__version__)} from the result files; no number in this "
                 f"brief is typed in by hand.</footer>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _md_cell(text: str) -> str:
    """Escape a table cell for Markdown: pipes escaped, newlines as spaces."""
    return text.replace("|", "\\|").replace("\n", " ")


def _md_block(b: Block) -> list[str]:
    """Mark up one block as Markdown lines, ending with a blank line."""
    if isinstance(b, Heading):
        return ["#" * b.level + " " + b.text, ""]
    if isinstance(b, Para):
        return [b.text, ""]
    if isinstance(b, Bullets):
        return [f"- {i}" for i in b.items] + [""]
    if isinstance(b, Table):
        out = ["| " + " | ".join(_md_cell(c) for c in b.columns) + " |",
               "|" + "|".join("---:" if j in b.numeric else "---" for j in range(len(b.columns))) + "|"]
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
        out.append("")
        return out + ([f"*{b.note}*", ""] if b.note else [])
    if isinstance(b, Figure):
        return [f"![{b.caption}]({b.path.name})", ""] + ([f"*{b.caption}*", ""] if b.show_caption else [])
    raise TypeError(f"not a block of a brief: {type(b).__name__}")


def render_markdown(br: Brief) -> str:
    """Render the brief as Markdown (GitHub flavour).

    Parameters
    ----------
    br
        The content, from :func:`~corridors.brief.content.build_brief`.

    Returns
    -------
    str
        The document, ending in a newline; figures are linked by file name, to sit beside the file.
    """
    out = [f"# {br.title}", ""]
    out += [h + "  " for h in br.header]  # two trailing spaces: a line break in Markdown
    out.append("")
    for b in br.blocks:
        out += _md_block(b)
    out += ["---", "", f"*Written by corridors {__version__} from the result files.*", ""]
    return "\n".join(out)
