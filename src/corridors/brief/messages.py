"""The key messages: three to five sentences built from the result files, never typed in.

A compare brief leads with the regions and directions whose practical
capacity changes most, each figure with its 95 % interval (:func:`compare_key_messages`); a run brief with
delivered trains, volumes, the busiest element and the longest wait
(:func:`run_key_messages`).
"""

from __future__ import annotations

from corridors import REGIONS
from corridors.brief.format import (
    cap_cell,
    cap_phrase,
    change_cell,
    ci_range,
    flow_label,
    fmt_mt,
    fmt_num,
    fmt_pct,
    limit_word,
    significant,
)
from corridors.brief.names import ElementNames, limit_kind
from corridors.brief.read import DIRECTIONS, ResultFolder
from corridors.disruption import day_date, describe

__all__ = ["NEAR_CAPACITY", "closure_items", "compare_key_messages", "direction_sentence", "run_key_messages",
           "shutdown_sentence", "transit_corridor"]

#: Utilisation (carried over analytic capacity) above which an element counts as near capacity.
NEAR_CAPACITY = 0.9



def _over_demand(rec: dict, when: str) -> str:
    """Say that a side's own demand exceeds its practical capacity, by how much (``""`` when it does not)."""
    if not rec.get("demand_exceeds_capacity"):
        return ""
    demand, ci = rec.get("demand_mt") or 0, rec.get("simulated_ci_mt")
    if ci and demand <= ci[1]:
        return (f"{when}, demand ({fmt_mt(demand)} Mt/yr) is at the practical capacity, within its interval: "
                "trains wait about as long as the service level allows")
    gap = demand - (rec.get("simulated_mt") or 0)
    return (f"{when}, demand ({fmt_mt(demand)} Mt/yr) already exceeds the practical capacity by "
            f"{fmt_mt(gap)} Mt/yr: trains wait longer than the service level allows")


def _change_clause(k: dict) -> str:
    """Say the paired change of the practical capacity with its interval, or that it is not significant."""
    ch, ci = k.get("simulated_change_mt"), k.get("simulated_change_ci_mt")
    if ch is None:
        return ""
    limit = limit_word(k["before"], k["after"])
    if limit == "undetermined":
        return "the change is undetermined: the service level held at every load tried on both sides"
    if limit:  # a side is a lower limit: the change is a limit too, and no significance can be claimed
        return f"a change of {limit} {'+' if ch > 0 else ''}{fmt_mt(ch)} Mt/yr"
    if ci and not significant(ci):
        return f"no significant change (paired 95 % CI {ci_range(ci, signed=True)} Mt/yr)"
    rel = k.get("simulated_change_rel")
    pct = f", {fmt_pct(rel, sign=True)}" if rel is not None else ""
    interval = f"; paired 95 % CI {ci_range(ci, signed=True)}" if ci else ""
    return f"a change of {'+' if ch > 0 else ''}{fmt_mt(ch)} Mt/yr{pct}{interval}"


def _when_closed(c: dict, horizon_days: float | None) -> str:
    """Say how long an element closes: ``all year``, ``for 7 days (1 Mar – 7 Mar)``.

    The dates follow the calendar of :func:`corridors.disruption.day_date`; they are left out when the
    closure recurs over several years.
    """
    days = c.get("closed_days") or 0
    if horizon_days and days >= min(365.0, horizon_days) - 1e-9:
        return "all year" if abs(horizon_days - 365.0) < 1e-6 else "throughout the run"
    span = f" ({day_date(c['from_day'])} – {day_date(max(c['from_day'], c['to_day'] - 1))})"
    return f"for {fmt_num(days, 0)} day{'s' if days != 1 else ''}" + (span if c["to_day"] - c["from_day"] <= 365 else "")


def _closed_what(result: ResultFolder, names: ElementNames) -> str:
    """Say what the alternative closes and for how long, by name: ``Brest – Małaszewicze closes all year``."""
    closures = result.comparison.get("closures") or []
    horizon = result.runs[-1].summary.get("sim_days")
    groups: dict[str, list[str]] = {}
    for c in closures:
        eid = str(c["id"])
        name = names.name(eid) if result.element(eid) else f"{names.place(eid)} (every line through it)"
        groups.setdefault(_when_closed(c, horizon), []).append(name)
    parts = []
    for when, items in groups.items():
        parts.append(f"{_together(items)} {'closes' if len(items) == 1 else 'close'} {when}")
    return " and ".join(parts)


def closure_items(result: ResultFolder, names: ElementNames) -> list[str]:
    """List what a shutdown's alternative closes, one item per element: name, how long, why (``[]``: none).

    Parameters
    ----------
    result
        A compare folder (``closures`` of ``comparison.json``).
    names
        Element names of ``result``.

    Returns
    -------
    list of str
        ``Brest – Małaszewicze: closed all year (Northern route closed ...)``.
    """
    horizon = result.runs[-1].summary.get("sim_days")
    out = []
    for c in (result.comparison or {}).get("closures") or []:
        eid = str(c["id"])
        name = names.name(eid) if result.element(eid) else f"{names.place(eid)} (every line through it)"
        why = f"; {c['reason']}" if c.get("reason") else ""  # a reason may hold brackets of its own
        out.append(f"{name}: closed {_when_closed(c, horizon)}{why}")
    return out


def _together(items: list[str]) -> str:
    """Name several elements at once, their shared first words once and in the plural.

    ``Caspian rail ferry Aktau – Alat`` and ``Caspian rail ferry Kuryk – Alat`` give ``the Caspian rail ferries
    Aktau – Alat and Kuryk – Alat``.
    """
    if len(items) == 1:
        return items[0]
    words = [x.split(" ") for x in items]
    n = 0
    while all(len(w) > n + 1 for w in words) and len({tuple(w[: n + 1]) for w in words}) == 1:
        n += 1
    if n:
        last = words[0][n - 1]
        plural = last[:-1] + "ies" if last.endswith("y") and last[-2:-1] not in "aeiou" else last + "s"
        head = "the " + " ".join([*words[0][: n - 1], plural]) + " "
        items = [" ".join(w[n:]) for w in words]
    else:
        head = ""
    return head + ", ".join(items[:-1]) + " and " + items[-1]


def _trains_a_day(rec: dict) -> float | None:
    """Return a record's practical capacity in trains a day, by the ratio of its probed loads (``None``: none)."""
    value = rec.get("simulated_mt")
    for p in rec.get("probes") or []:
        if value and p.get("mt") and p.get("trains_per_day"):
            return value * p["trains_per_day"] / p["mt"]
    return None


def _carried_via(names: ElementNames, k: dict) -> str:
    """Say over which crossings a market is carried after a shutdown (``""`` when the runs carried none of it).

    When the ferries carry at least half of it, the Middle Corridor across the Caspian, by ferry (a route
    takes one ferry at most, so their shares add up); else the two crossings whose share grew most, else the
    two busiest.
    """
    after = [v for v in k.get("carried_via_after") or [] if (v.get("share") or 0) >= 0.05]
    before = {v["id"]: v.get("share") or 0 for v in k.get("carried_via_before") or []}
    if not after:
        return ""
    ferries = [v for v in after if v.get("kind") == "ferry"][:3]
    if sum(v["share"] for v in ferries) >= 0.5:
        parts = [f"{fmt_pct(v['share'])}{' of it' if i == 0 else ''} by the {names.name(v['id'])}"
                 for i, v in enumerate(ferries)]
        return ("carried over the Middle Corridor across the Caspian, "
                + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]))
    grew = [v for v in after if v["share"] - before.get(v["id"], 0.0) >= 0.1]
    grew.sort(key=lambda v: -(v["share"] - before.get(v["id"], 0.0)))
    top = (grew or after)[:2]
    return "carried " + " and ".join(f"{fmt_pct(v['share'])} through {names.describe(v['id'], v.get('kind'))}"
                                     for v in top)


def shutdown_sentence(result: ResultFolder, names: ElementNames, r: str, d: str) -> str:
    """Write the key message of a shutdown for one market: what closes, the capacity before and after, and the way.

    ``If Brest – Małaszewicze closes all year, the practical capacity to Europe falls from 6.1 to 2.0 Mt/yr
    (about 17 to 6 trains a day; a change of −4.1 Mt/yr, −67%; paired 95 % CI −4.5 to −3.7), carried over
    the Middle Corridor across the Caspian, 55% of it by the Caspian rail ferry Kuryk – Alat (Baku), ...``

    Parameters
    ----------
    result
        A compare folder whose ``comparison.json`` lists ``closures``.
    names
        Element names of ``result``.
    r, d
        Market and direction.

    Returns
    -------
    str
        Falls or rises when the paired change is significant; otherwise before and after with "no significant
        change"; then the crossings that carry the market after it, and where the limit moves.
    """
    k = result.comparison["regions"][r][d]
    b, a = k["before"], k["after"]
    head = f"If {_closed_what(result, names)}, the practical capacity {flow_label(r, d)}"
    if a.get("simulated_mt") is None or b.get("simulated_mt") is None:
        return direction_sentence(result, names, r, d, shutdown=False)
    ci, limit = k.get("simulated_change_ci_mt"), limit_word(b, a)
    tb, ta = (None, None) if limit else (_trains_a_day(b), _trains_a_day(a))
    per_day = f"about {fmt_num(tb, 0)} to {fmt_num(ta, 0)} trains a day" if tb and ta else ""
    change = _change_clause(k)
    if significant(ci) and not limit:
        s = (f"{head} {'falls' if k['simulated_change_mt'] < 0 else 'rises'} from {fmt_mt(b['simulated_mt'])} to "
             f"{cap_phrase(a, ci=False)} ({per_day + '; ' if per_day else ''}{change})")
    else:
        s = (f"{head} is {cap_phrase(b, ci=False)} before and {cap_phrase(a, ci=False)} after"
             f"{f' ({per_day})' if per_day else ''}{'; ' + change if change else ''}")
    via = _carried_via(names, k)
    if via:
        s += f", {via}"
    lb, la = k.get("bottleneck_before"), k.get("bottleneck_after")
    if la and la != lb:
        s += f"; the limit is now {names.describe(la, limit_kind(a, la))}"
    return s + "."


def direction_sentence(result: ResultFolder, names: ElementNames, r: str, d: str, *, shutdown: bool = True) -> str:
    """Write one sentence on the practical capacity to or from a market, before and after, with intervals.

    Parameters
    ----------
    result
        A compare folder.
    names
        Element names of ``result``.
    r, d
        Market (a :data:`~corridors.REGIONS` entry) and direction (``"inbound"``: to it, ``"outbound"``: from it).

    Returns
    -------
    str
        Before and after (Mt/yr; their intervals are in the headline table beside the key messages), the paired
        change with its 95 % interval or "no significant change", demand above capacity in words, and where the
        limit is. For a shutdown (``closures`` in ``comparison.json``, unless ``shutdown`` is false),
        :func:`shutdown_sentence`.
    """
    if shutdown and result.comparison.get("closures"):
        return shutdown_sentence(result, names, r, d)
    k = result.comparison["regions"][r][d]
    b, a = k["before"], k["after"]
    who = f"Practical capacity {flow_label(r, d)}"
    vb, va = b.get("simulated_mt"), a.get("simulated_mt")
    lb, la = k.get("bottleneck_before"), k.get("bottleneck_after")
    if vb is None:
        s = f"A route {flow_label(r, d)} opens with a practical capacity of {cap_phrase(a)}"
        if la:
            s += f", limited by {names.describe(la, limit_kind(a, la))}"
        return s + "."
    if va is None:
        return (f"{who} ({cap_phrase(b)} before) is lost: no route serves these flows "
                "after the change.")
    # The intervals of before and after are in the headline table beside the key messages; the change keeps its own.
    s = (f"{who} is {cap_phrase(b, ci=False)} before and {cap_phrase(a, ci=False)}"
         f" after")
    change = _change_clause(k)
    if change:
        s += f": {change}"
    over = [x for x in (_over_demand(b, "Before"), _over_demand(a, "After")) if x]
    if over:
        s += ". " + "; ".join(over)
    if lb and la and lb != la:
        s += (f"; the limit moves from {names.describe(lb, limit_kind(b, lb))} "
              f"to {names.describe(la, limit_kind(a, la))}")
    elif la:
        s += f"; the limit stays at {names.describe(la, limit_kind(a, la))}"
    return s + "."


def _short_change(result: ResultFolder, r: str, d: str) -> str | None:
    """Write ``from China +4.9 Mt/yr (+4.2 to +5.6)``, or ``None`` when the change is not significant."""
    k = result.comparison["regions"][r][d]
    b, a = k["before"], k["after"]
    vb, va = b.get("simulated_mt"), a.get("simulated_mt")
    if vb is None:
        return f"{flow_label(r, d)} new at {cap_cell(a)} Mt/yr"
    if va is None:
        return f"{flow_label(r, d)} lost (was {cap_cell(b)} Mt/yr)"
    ci, limit = k.get("simulated_change_ci_mt"), limit_word(b, a)
    if not limit and ci and not significant(ci):
        return None
    cell = change_cell(k.get("simulated_change_mt"), ci, limit)
    head, _, interval = cell.partition(" (")
    return f"{flow_label(r, d)} {head} Mt/yr" + (f" ({interval}" if interval else "")


def _elsewhere(result: ResultFolder, rest: list[tuple[str, str]]) -> str:
    """Say the other flows' changes in one sentence: significant ones with their interval, then the rest by name."""
    parts, flat = [], []
    for r, d in rest:
        text = _short_change(result, r, d)
        if text is None:
            flat.append(flow_label(r, d))
        else:
            parts.append(text)
    if flat:
        names = flat[0] if len(flat) == 1 else ", ".join(flat[:-1]) + " or " + flat[-1]
        parts.append(f"no significant change {names}")
    return "Elsewhere (paired 95 % intervals): " + "; ".join(parts) + "."


def transit_corridor(result: ResultFolder) -> str | None:
    """Return the corridor whose mean transit changes most between the runs of a compare folder.

    Ties go to the corridor with more trains; ``None`` for a run folder or when no corridor runs in both.
    """
    if len(result.runs) != 2:
        return None
    base, alt = result.runs
    b = {c["corridor"]: c for c in base.summary.get("corridor_indicators") or []}
    a = {c["corridor"]: c for c in alt.summary.get("corridor_indicators") or []}
    both = [c for c in a if c in b and a[c].get("transit_days_mean") is not None
            and b[c].get("transit_days_mean") is not None]
    if not both:
        return None
    return max(both, key=lambda c: (abs(a[c]["transit_days_mean"] - b[c]["transit_days_mean"]), a[c].get("trains", 0)))


def _transit_message(result: ResultFolder, names: ElementNames) -> str | None:
    """Say how transit changes on the corridor whose mean transit changes most (``None``: no corridor in both)."""
    cid = transit_corridor(result)
    if cid is None:
        return None
    base, alt = result.runs
    b = {c["corridor"]: c for c in base.summary.get("corridor_indicators") or []}
    a = {c["corridor"]: c for c in alt.summary.get("corridor_indicators") or []}
    tb, ta = b[cid]["transit_days_mean"], a[cid]["transit_days_mean"]
    sb, sa = b[cid].get("speed_with_delay_kmh"), a[cid].get("speed_with_delay_kmh")
    if fmt_num(tb) == fmt_num(ta):
        s = f"At scenario demand, door-to-door transit on the corridor {names.corridor(cid)} stays at {fmt_num(ta)} days"
    else:
        s = (f"At scenario demand, door-to-door transit on the corridor {names.corridor(cid)} "
             f"{'shortens' if ta < tb else 'lengthens'} from {fmt_num(tb)} to {fmt_num(ta)} days")
    if sb is not None and sa is not None:
        s += f" (speed with delay {fmt_num(sb)} → {fmt_num(sa)} km/h)"
    return s + "."


def _statistics_message(result: ResultFolder) -> str:
    """Say what the figures are: replications, intervals, pairing and the service level."""
    regs = result.comparison["regions"]
    recs = [regs[r][d][w] for r in REGIONS for d in DIRECTIONS for w in ("before", "after")]
    reps = max((rec.get("replications") or 1 for rec in recs), default=1)
    levels = {rec["service_level"]["max_added_wait_share"] for rec in recs if rec.get("service_level")}
    level = f"{fmt_pct(min(levels))} of their free transit time" if levels else "the service level"
    s = (f"Practical capacity is the largest load at which the region's trains wait on average at most {level}; "
         f"every simulated figure is the mean of {reps} replication{'s' if reps != 1 else ''}")
    if reps > 1:
        s += (" with its 95 % confidence interval, and each change is paired (the same random numbers before and "
              "after), so 'no significant change' means its interval contains zero.")
    else:
        s += "; with one replication no confidence intervals can be given (use --replications)."
    return s


def compare_key_messages(result: ResultFolder, names: ElementNames) -> list[str]:
    """Write the key messages of a compare folder.

    Parameters
    ----------
    result
        A compare folder (``comparison.json`` and the summaries of ``base/`` and ``alt/``).
    names
        Element names of ``result``.

    Returns
    -------
    list of str
        Three to five sentences: the two to three flows whose practical capacity changes most (Mt/yr, the paired
        change or "no significant change", demand above capacity in words, the
        limiting element), the other flows in one sentence (significant changes with their paired intervals, the
        rest named as "no significant change"), the largest change in transit time (days), and, when that makes
        fewer than three, what the figures are (replications, intervals, service level; the headline table's
        note says it otherwise).
    """
    regs = result.comparison["regions"]
    pairs = [(r, d) for r in REGIONS for d in DIRECTIONS
             if regs[r][d]["before"].get("simulated_mt") is not None
             or regs[r][d]["after"].get("simulated_mt") is not None]

    def weight(rd):
        k = regs[rd[0]][rd[1]]
        b, a = k["before"].get("simulated_mt"), k["after"].get("simulated_mt")
        return (abs((a or 0) - (b or 0)), max(a or 0, b or 0))

    closed = {str(c["id"]) for c in result.comparison.get("closures") or []}

    def shutdown_weight(rd):
        # a shutdown leads with the markets whose freight crossed what closes, then the changes that are
        # significant (and determined), then the largest
        k = regs[rd[0]][rd[1]]
        crossed = sum(v.get("share") or 0 for v in k.get("carried_via_before") or [] if v.get("id") in closed)
        firm = significant(k.get("simulated_change_ci_mt")) and not limit_word(k["before"], k["after"])
        return (crossed >= 0.05, firm, *weight(rd))

    pairs.sort(key=shutdown_weight if closed else weight, reverse=True)
    msgs = []
    if not pairs:
        msgs.append(f"No region has flows in {result.runs[0].name} or {result.runs[1].name}: there is no "
                    f"capacity to compare.")
    head, rest = (pairs, []) if len(pairs) <= 3 else (pairs[:2], pairs[2:])
    msgs += [direction_sentence(result, names, r, d) for r, d in head]
    if rest:
        msgs.append(_elsewhere(result, rest))
    t = _transit_message(result, names)
    if t:
        msgs.append(t)
    if len(msgs) < 3:  # a comparison with few flows: say what the figures are
        msgs.append(_statistics_message(result))
    return msgs[:5]


def run_key_messages(result: ResultFolder, names: ElementNames) -> list[str]:
    """Write the key messages of a run folder.

    Parameters
    ----------
    result
        A run folder (its summary and element tables).
    names
        Element names of ``result``.

    Returns
    -------
    list of str
        Three to six sentences: trains generated, delivered, refused and under way; with disruptions, the peak
        backlog and the time to recover; delivered Mt/yr and mean
        transit (days) of the three largest flows; the busiest element (utilisation %); the longest mean wait (h);
        the seed.
    """
    (run,) = result.runs
    s = run.summary
    tr = s.get("trains", {})
    msgs = [(f"Of {fmt_num(tr.get('generated'), 0)} trains generated, {fmt_num(tr.get('delivered'), 0)} were "
             f"delivered, {fmt_num(tr.get('refused'), 0)} refused at entry and {fmt_num(tr.get('in_network'), 0)} "
             f"still under way at the end.")]
    msgs += describe(s)[:1]  # the backlog and its recovery; the brief's disruption section says the rest
    reps = (s.get("replications") or {}).get("regions") or {}

    def delivered(r: str, d: str, x: dict) -> str:
        # the mean over replications with its interval when the run has several, else the one run's figure
        rec = (reps.get(r) or {}).get(d) or {}
        dm, tm = rec.get("delivered_mt"), rec.get("transit_days_mean")
        if dm and dm.get("ci95") is not None and tm and tm.get("ci95") is not None:
            return (f"{fmt_mt(dm['mean'])} ± {fmt_mt(dm['ci95'])} Mt/yr {flow_label(r, d)} in "
                    f"{fmt_num(tm['mean'])} ± {fmt_num(tm['ci95'])} days")
        return f"{fmt_mt(x['delivered_mt'])} Mt/yr {flow_label(r, d)} in {fmt_num(x['transit_days_mean'])} days"

    regs = [(r, d, s["regions"][r][d]) for r in REGIONS for d in DIRECTIONS
            if (s["regions"].get(r, {}).get(d, {}).get("delivered_mt") or 0) > 0]
    regs.sort(key=lambda x: -x[2]["delivered_mt"])
    if regs:
        msgs.append("Delivered freight and mean transit: " + "; ".join(delivered(*x) for x in regs[:3]) + ".")
    rows = sorted((x for x in (*run.sections, *run.crossings) if x.get("utilisation") is not None),
                  key=lambda x: -x["utilisation"])
    if rows:
        top = rows[0]
        n = sum(1 for x in rows if x["utilisation"] > NEAR_CAPACITY)
        msgs.append(f"The busiest element is {names.describe(top['id'])} at {fmt_pct(top['utilisation'])} of its "
                    f"analytic capacity; {fmt_num(n, 0)} element{'s' if n != 1 else ''} run above "
                    f"{fmt_pct(NEAR_CAPACITY)}.")
    waits = [(max(c.get("wait_mean_h_ab") or 0, c.get("wait_mean_h_ba") or 0), c) for c in run.crossings]
    waits = [w for w in waits if w[0] > 0.005]
    if waits:
        w, c = max(waits, key=lambda x: x[0])
        days = f" ({fmt_num(w / 24)} days)" if w >= 48 else ""
        msgs.append(f"The longest mean wait is at {names.describe(c['id'])}: {fmt_num(w)} h{days} per train "
                    f"before service.")
    n = (s.get("replications") or {}).get("n") or 1
    if n > 1:
        msgs.append(f"Delivered volumes and transit times are means over {n} replications (seeds "
                    f"{s.get('seed')} onward) with their 95 % intervals; the tables show the first replication. A "
                    "run does not give capacity: use 'corridors compare' or 'corridors capacity' for that.")
    else:
        msgs.append(f"These figures come from one simulation (seed {s.get('seed')}): the spread between random "
                    "seeds is not measured (use --replications), and a run does not give capacity: use "
                    "'corridors compare' or 'corridors capacity' for that.")
    return msgs[:5]

