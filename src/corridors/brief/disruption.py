"""The brief's section on a run's disruptions: backlog, time to recover and delays, by market."""

from __future__ import annotations

from corridors.brief.document import Block, Figure, Heading, Para, Table
from corridors.brief.format import capital, flow_label, fmt_num
from corridors.brief.read import ResultFolder
from corridors.disruption import day_date, describe

__all__ = ["BACKLOG_FIGURE", "disruption_blocks"]

#: The run folder's backlog chart and its caption.
BACKLOG_FIGURE = ("backlog.png", "Trains in the network day by day (above) and the backlog the disruption added "
                  "against the undisturbed run (below); shaded: the disruptions.")


def _row(label: str, e: dict) -> tuple[str, ...]:
    recovered = "not recovered" if e.get("recovery_days") is None else fmt_num(e["recovery_days"])
    return (label, fmt_num(e.get("peak_backlog_trains"), 0), fmt_num(e.get("peak_backlog_mt"), 2),
            "–" if not e.get("peak_day") else day_date(e["peak_day"] - 1), recovered,
            fmt_num(e.get("delayed_trains"), 0), fmt_num(e.get("extra_train_hours"), 0))


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
        the markets the disruption touched (peak backlog in trains and Mt, its date, days to recover, delayed
        trains, extra train-hours), and the backlog chart.
    """
    (run,) = result.runs
    block = run.summary.get("disruption")
    if not block:
        return []
    rows = [_row("All trains", block["network"])]
    rows += [_row(capital(flow_label(m["market"], m["direction"])), m)
             for m in sorted(block.get("markets") or [], key=lambda m: -m["peak_backlog_trains"])]
    cols = ("Flows", "Peak backlog (trains)", "Peak backlog (Mt)", "Peak on", "Recovered after (days)",
            "Trains delayed", "Extra train-hours")
    note = ("Against the undisturbed run (the same scenario and seed without closures or slowdowns). Recovered: "
            "the backlog back within its normal band (the undisturbed run's plus its usual day-to-day change) for "
            "7 days in a row, counted from the end of the disruption. Delayed: more than 1 h longer in the "
            "network. The first run's figures; the text above gives the intervals over replications where there "
            "are several.")
    # the first sentence (the backlog and its recovery) is among the key messages just above
    out: list[Block] = [Heading("Disruption: backlog and recovery"), Para(" ".join(describe(run.summary)[1:])),
                        Table(cols, tuple(rows), frozenset(range(1, 7)), note=note)]
    if (run.path / BACKLOG_FIGURE[0]).is_file():
        out.append(Figure(run.path / BACKLOG_FIGURE[0], BACKLOG_FIGURE[1]))
    return out
