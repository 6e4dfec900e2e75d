"""The brief's glossary: every term of its tables and sentences, defined once in plain words.

Each entry says what the figure means for a reader who has not read
``docs/capacity.md``; the definitions follow that document and
:mod:`corridors.elements` (which hold the formulas and their sources).
"""

from __future__ import annotations

from corridors.brief.document import Bullets
from corridors.brief.format import fmt_pct

__all__ = ["GLOSSARY", "glossary_items"]

#: Term -> definition, in the order a reader meets them.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Market; to / from",
     "China, Europe, Russia, South Asia and Central Asia (Uzbekistan, Kyrgyzstan, Tajikistan, Turkmenistan). "
     "Freight **to** a market ends there; freight **from** it starts there. A flow between two markets counts for both."),
    ("Mt/yr", "Million tonnes of freight a year (net cargo, not the weight of the wagons)."),
    ("Practical capacity",
     "The most freight a market's trains can carry while their added waiting stays within the service level: the "
     "capacity a planner can sell. Read from the load–delay curve."),
    ("Service level",
     "The most added waiting accepted, as a share of the trains' free transit time ({level})."),
    ("Free transit time; added waiting",
     "The time a train needs on its route with no other train in the way (running, border handling and "
     "clearance, yard stops); added waiting is everything above it (queues at borders, meets on single track)."),
    ("Load–delay curve",
     "Added waiting against the freight offered to a market, simulated at several loads with every other flow at "
     "its scenario demand."),
    ("≥ (lower limit); *",
     "≥: the service level held at every load tried, so the practical capacity is at least this figure. *: the "
     "scenario's own demand is above the practical capacity's mean: at capacity while it is within the interval "
     "(trains wait about as long as the service level allows), beyond it when above (they wait longer)."),
    ("Maximum throughput", "The most a market's flows deliver when offered more than the network takes."),
    ("Upper bound (LP)",
     "A linear programme over the analytic capacity of every element: no timetable can carry more. It ignores "
     "queues, so the practical capacity is always lower."),
    ("Limit (limiting element)",
     "The element that caps a market's flows: the first of the upper bound's binding elements, else the busiest "
     "element in the simulation at capacity."),
    ("95 % interval; replication",
     "Each scenario is simulated several times with different random numbers (replications). The interval is where "
     "the mean lies with 95 % confidence (Student t over replications); it covers the model's randomness "
     "(arrivals, border dwell, storms), not errors in its inputs."),
    ("Paired change; n.s",
     "Before and after are simulated with the same random numbers, so the change is measured replication by "
     "replication and its interval is narrow. n.s.: not significant, the interval contains zero."),
    ("Analytic capacity",
     "Trains a day an element can take by its planning rule: single track by the time a pair of opposing trains "
     "holds the longest block; double track by the signalling headway with the UIC 406 buffer; a border by its "
     "handling tracks and daily exchange limit; a ferry by its vessels' round trips; a yard by its tracks."),
    ("Utilisation",
     "Trains carried over analytic capacity. It can exceed 100 %: on single track the rule assumes trains "
     "alternate directions, while queued trains follow each other; on double track queued trains use the buffer "
     "the rule keeps free."),
    ("Clearance hold",
     "Time a train spends at a border after handling, for the receiving country's customs and inspections; it "
     "takes time but no handling track."),
    # named by the words only a disruption section uses: "backlog" and "recovered" are common words elsewhere
    ("Undisturbed run",
     "The same scenario, simulated with the same random numbers but without its closures and slowdowns. A "
     "disruption's backlog is the number of trains in the network above the undisturbed run's on the same day: "
     "the trains the disruption holds up."),
    ("Normal band",
     "The undisturbed run's backlog plus its usual day-to-day change (the 95th percentile of that change). The "
     "network has recovered when the backlog stays within the band for 7 days in a row; the time to recover counts "
     "from the end of the disruption."),
    ("Extra train-hours",
     "The hours all trains together spent in the network beyond their hours in the undisturbed run."),
    ("CAREC CPMM",
     "Corridor Performance Measurement and Monitoring of the Central Asia Regional Economic Cooperation programme: "
     "speed without delay (route km over moving time), speed with delay (over door-to-door time), border "
     "crossing time and cost (USD per 20 t per 500 km)."),
)


def _mentions(term: str, text: str) -> bool:
    """Tell whether the body mentions a term: any of its ';'-separated names, or the words before a bracket."""
    low = text.casefold()
    names = [n.strip() for n in term.split(";")]
    names += [n.split(" (")[0] for n in names if " (" in n]
    return any(n and n.casefold() in low for n in names)


def glossary_items(level_share: float | None, body: str | None = None) -> Bullets:
    """List the glossary, one ``**Term.** Meaning`` item per term, in two columns in print.

    Parameters
    ----------
    level_share
        The service level of the results (a share of the free transit time), or ``None`` when unknown.
    body
        The text of the brief's other sections: only the terms it uses are listed (``None``: all of them).
        Markets, Mt/yr and replications are always listed.

    Returns
    -------
    Bullets
        One item per term of :data:`GLOSSARY` the body uses, in order.
    """
    level = f"{fmt_pct(level_share)} in these results" if level_share is not None else "set per scenario"
    always = {"Market; to / from", "Mt/yr", "95 % interval; replication"}
    terms = [(t, x) for t, x in GLOSSARY if body is None or t in always or _mentions(t, body)]
    return Bullets(tuple(f"**{term}.** {text.replace('{level}', level)}" for term, text in terms), css="glossary")
