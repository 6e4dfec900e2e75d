"""The brief as typed blocks: what the content modules produce and both renderers consume.

A section is computed once, as a sequence of these frozen records; the HTML
and the Markdown renderers (:mod:`corridors.brief.render`) only mark them up,
so the two formats cannot say different things. Inline text may hold
``**bold**`` spans, ```code``` spans and URLs; the HTML renderer marks them up,
the Markdown keeps them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "Brief", "Bullets", "Figure", "Heading", "Para", "Table"]


@dataclass(frozen=True)
class Heading:
    """A section heading.

    Attributes
    ----------
    text
        The heading.
    level
        2 for a section, 3 for a sub-section.
    page
        Start a new page in print.
    """

    text: str
    level: int = 2
    page: bool = False


@dataclass(frozen=True)
class Para:
    """A paragraph.

    Attributes
    ----------
    text
        Inline text.
    css
        HTML class (``"small"`` for fine print); ignored in Markdown.
    """

    text: str
    css: str = ""


@dataclass(frozen=True)
class Bullets:
    """A bulleted list.

    Attributes
    ----------
    items
        One inline text per item.
    css
        HTML class (``"key"`` for the key messages, ``"sources"``); ignored in Markdown.
    """

    items: tuple[str, ...]
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table of text cells.

    Attributes
    ----------
    columns
        Column headings, shape (n_columns,).
    rows
        Cells, shape (n_rows, n_columns), already formatted.
    numeric
        Indices of the right-aligned (numeric) columns.
    note
        Inline text printed under the table (``""`` for none).
    css
        HTML class of the table (``"capacity"``, ``"files"``); ignored in Markdown.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()
    note: str = ""
    css: str = ""


@dataclass(frozen=True)
class Figure:
    """A PNG figure of the result folder.

    Attributes
    ----------
    path
        The PNG file (embedded in HTML, linked by file name in Markdown).
    caption
        Caption and alternative text.
    page
        Start a new page in print.
    css
        HTML class (``"wide"`` for the summary's large map, ``"market"``); ignored in Markdown.
    show_caption
        Print the caption under the figure (else it is only the alternative text: the figure explains itself).
    """

    path: Path
    caption: str
    page: bool = False
    css: str = ""
    show_caption: bool = True


#: Any block of a brief.
Block = Heading | Para | Bullets | Table | Figure


@dataclass(frozen=True)
class Brief:
    """The content of a brief, ready to render.

    Attributes
    ----------
    title
        Document title.
    header
        Inline lines under the title (scenarios, date, version).
    blocks
        The body, in order.
    key_messages
        The key messages, also in ``blocks`` (for callers that want the sentences alone).
    """

    title: str
    header: tuple[str, ...]
    blocks: tuple[Block, ...] = ()
    key_messages: tuple[str, ...] = ()

    @property
    def figures(self) -> list[Figure]:
        """Return the figures of the body, in order."""
        return [b for b in self.blocks if isinstance(b, Figure)]
