"""The brief's section on a run's disruptions: backlog, time to recover and delays, by market."""

from __future__ import annotations

from corridors.brief.document import Block, Figure, Heading, Para, Table
from corridors.brief.format import capital, flow_label, fmt_num
from corridors.brief.read import ResultFolder
from corridors.disruption import describe, figures, recovery_words

__all__ = ["BACKLOG_FIGURE", "disruption_blocks"]

#: The run folder's backlog chart and its caption.
BACKLOG_FIGURE = ("backlog.png", "Trains in the network day by day (above) and the backlog the disruption added "
                  "against the undisturbed run (below); shaded: the disruptions.")


def _cell(stats: dict | None, nd: int, scale: float = 1.0) -> str:
    """Format a figure of :func:`corridors.disruption.figures` for a table cell: ``12`` or ``12 ± 3``."""
    if not stats or stats.get("mean") is None:
        return "–"
    text = fmt_num(stats["mean"] * scale, nd)
    return text if stats.get("ci95") is None else f"{text} ± {fmt_num(stats['ci95'] * scale, nd)}"


def _row(label: str, g: dict, n: int) -> tuple[str, ...]:
    return (label, _cell(g["peak_backlog_trains"], 0), _cell(g["peak_backlog_mt"], 2),
            capital(recovery_words(g, n)), _cell(g["delayed_trains"], 0), _cell(g["extra_train_hours"], 0),
            _cell(g["extra_refused"], 0))


def disruption_blocks(result: ResultFolder) -> list[Block]:
    """Build the disruption section of a run brief (``[]`` when its scenario has no closure or slowdown).

    Parameters
    ----------
    result
        A run folder whose ``summary.json`` may hold a ``disruption`` block.

    Returns
    -------
    list of Block
        A heading, the run's own sentences (:func:`corridors.disruption.describe`), a table of the network and
        the markets the disruption touched (peak backlog in trains and Mt, the recovery, delayed trains, extra
        train-hours, extra refusals; means over replications with their 95 % intervals), and the backlog chart.
    """
    (run,) = result.runs
    if not run.summary.get("disruption"):
        return []
    n, net, markets = figures(run.summary)
    rows = [_row("All trains", net, n)]
    rows += [_row(capital(flow_label(m["market"], m["direction"])), m, n) for m in markets]
    cols = ("Flows", "Peak backlog (trains)", "Peak backlog (Mt)", "Back to normal", "Trains delayed",
            "Extra train-hours", "More refused")
    over = (f"Means over {n} replications ± the half-width of their 95 % interval; the time to recover over the "
            "replications that recovered. " if n > 1 else "One run: no interval. ")
    note = (over + "Against the undisturbed run (the same scenario and seed without closures or slowdowns). Back to "
            "normal: the backlog within its normal band (the undisturbed run's plus its usual day-to-day change) "
            "for 7 days in a row, counted from the end of the disruption. Delayed: more than 1 h longer in the "
            "network.")
    # the first sentence (the backlog and its recovery) is among the key messages just above
    out: list[Block] = [Heading("Disruption: backlog and recovery"), Para(" ".join(describe(run.summary)[1:])),
                        Table(cols, tuple(rows), frozenset({1, 2, 4, 5, 6}), note=note)]
    if (run.path / BACKLOG_FIGURE[0]).is_file():
        out.append(Figure(run.path / BACKLOG_FIGURE[0], BACKLOG_FIGURE[1]))
    return out
