"""The key messages: three to five sentences built from the result files, never typed in.

A compare brief leads with the regions and directions whose simulated
capacity changes most (:func:`compare_key_messages`); a run brief with
delivered trains, volumes, the busiest element and the longest wait
(:func:`run_key_messages`).
"""

from __future__ import annotations

from corridors import REGIONS
from corridors.brief.format import cap_phrase, flow_label, fmt_mt, fmt_num, fmt_pct, pm, resolved
from corridors.brief.names import ElementNames, limit_kind
from corridors.brief.read import DIRECTIONS, ResultFolder

__all__ = ["NEAR_CAPACITY", "compare_key_messages", "run_key_messages"]

#: Utilisation (carried over analytic capacity) above which an element counts as near capacity.
NEAR_CAPACITY = 0.9



def _bound_clause(b: dict, a: dict) -> str:
    """Say how the bound moves between the before and after records (``""`` when either has none)."""
    bb, ba = b.get("bound_mt"), a.get("bound_mt")
    if bb is None or ba is None:
        return ""
    if fmt_mt(ba) == fmt_mt(bb):
        return f"its bound stays at {fmt_mt(ba)} Mt/yr"
    return f"its bound moves from {fmt_mt(bb)} to {fmt_mt(ba)} Mt/yr"


def _compare_headline(result: ResultFolder, names: ElementNames, r: str, d: str) -> str:
    """Write one sentence on the capacity to or from a region, before and after."""
    k = result.comparison["regions"][r][d]
    b, a = k["before"], k["after"]
    who = f"Capacity {flow_label(r, d)}"
    vb, va = b.get("simulated_mt"), a.get("simulated_mt")
    pb, pa = b.get("precision_mt"), a.get("precision_mt")
    lb, la = k.get("bottleneck_before"), k.get("bottleneck_after")
    if vb is None:
        s = f"A route {flow_label(r, d)} opens with a capacity of {cap_phrase(va, pa)}"
        if a.get("bound_mt") is not None:
            s += f" (bound {fmt_mt(a['bound_mt'])})"
        if la:
            s += f", limited by {names.describe(la, limit_kind(a, la))}"
        return s + "."
    if va is None:
        return f"{who} ({cap_phrase(vb, pb)} before) is lost: no route serves these flows after the change."
    bound = _bound_clause(b, a)
    if not (resolved(b) and resolved(a)):
        found = {w: rec for w, rec in (("before", b), ("after", a)) if resolved(rec) or (rec.get("precision_mt") or 0) > 0}
        lost = [w for w in ("before", "after") if w not in found]
        s = f"{who} is " + " and ".join(f"{cap_phrase(rec['simulated_mt'], rec['precision_mt'])} {w}"
                                         for w, rec in found.items()) if found else who
        if lost:
            s += ("; " if found else ": ") + f"{lost[0]} the change the capacity search found no stable demand level"
            if bound:
                s += f", although {bound}"
            return s + ": check that run before quoting a change."
        return s + (f"; {bound}" if bound else "") + "."
    rel = k.get("simulated_change_rel")
    pct = f" ({fmt_pct(rel, sign=True)})" if rel is not None else ""
    if fmt_mt(va) == fmt_mt(vb):
        s = f"{who} stays at {cap_phrase(va, pa)}"
    else:
        verb = "rises" if va > vb else "falls"
        s = f"{who} {verb} from {pm(vb, pb)} to {cap_phrase(va, pa)}{pct}"
        if abs(va - vb) < max(pb or 0, pa or 0):
            s += ", a change within the search precision"
    if bound:
        s += f"; {bound}"
    if lb and la and lb != la:
        s += (f"; the limit moves from {names.describe(lb, limit_kind(b, lb))} "
              f"to {names.describe(la, limit_kind(a, la))}")
    elif la:
        s += f"; the limit stays at {names.describe(la, limit_kind(a, la))}"
    return s + "."


def _short_change(result: ResultFolder, r: str, d: str) -> str:
    """Write ``to Europe 2.0 → 1.5 (−24%)`` for the sentence on the other regions."""
    k = result.comparison["regions"][r][d]
    b, a = k["before"], k["after"]
    vb, va = b.get("simulated_mt"), a.get("simulated_mt")
    if vb is None:
        return f"{flow_label(r, d)} new at {pm(va, a.get('precision_mt'))}"
    if va is None:
        return f"{flow_label(r, d)} lost (was {pm(vb, b.get('precision_mt'))})"
    rel = k.get("simulated_change_rel")
    if not (resolved(b) and resolved(a)):
        rel = None
    return (f"{flow_label(r, d)} {pm(vb, None) if resolved(b) else pm(vb, b.get('precision_mt'))} → "
            f"{pm(va, None) if resolved(a) else pm(va, a.get('precision_mt'))}"
            + (f" ({fmt_pct(rel, sign=True)})" if rel is not None else ""))


def _transit_message(result: ResultFolder) -> str | None:
    """Say how transit changes on the corridor whose mean transit changes most (``None``: no corridor in both)."""
    base, alt = result.runs
    b = {c["corridor"]: c for c in base.summary.get("corridor_indicators") or []}
    a = {c["corridor"]: c for c in alt.summary.get("corridor_indicators") or []}
    both = [c for c in a if c in b and a[c].get("transit_days_mean") is not None
            and b[c].get("transit_days_mean") is not None]
    if not both:
        return None
    cid = max(both, key=lambda c: (abs(a[c]["transit_days_mean"] - b[c]["transit_days_mean"]), a[c].get("trains", 0)))
    tb, ta = b[cid]["transit_days_mean"], a[cid]["transit_days_mean"]
    sb, sa = b[cid].get("speed_with_delay_kmh"), a[cid].get("speed_with_delay_kmh")
    if fmt_num(tb) == fmt_num(ta):
        s = f"At scenario demand, door-to-door transit on corridor {cid} stays at {fmt_num(ta)} days"
    else:
        s = (f"At scenario demand, door-to-door transit on corridor {cid} "
             f"{'shortens' if ta < tb else 'lengthens'} from {fmt_num(tb)} to {fmt_num(ta)} days")
    if sb is not None and sa is not None:
        s += f" (speed with delay {fmt_num(sb)} → {fmt_num(sa)} km/h)"
    return s + "."


def _precision_message(result: ResultFolder) -> str:
    """Say how precise the simulated capacities are, and that there are no confidence intervals."""
    ps = [rec.get("precision_mt") for r in REGIONS for d in DIRECTIONS
          for rec in (result.comparison["regions"][r][d]["before"], result.comparison["regions"][r][d]["after"])
          if resolved(rec) and rec.get("precision_mt") is not None]
    reps = max(int((run.scenario.get("simulation") or {}).get("replications") or 1) for run in result.runs)
    if ps:
        lo, hi = min(ps), max(ps)
        rng = f"±{fmt_mt(hi)}" if fmt_mt(lo) == fmt_mt(hi) else f"±{fmt_mt(lo)} to ±{fmt_mt(hi)}"
        s = f"Simulated capacities are known to {rng} Mt/yr (the precision of the capacity search)"
    else:
        s = "The capacity search found no stable demand level for any region, so no simulated capacity is given"
    if reps <= 1:
        s += "; each scenario ran with one random seed, so no confidence intervals are given."
    else:
        s += f"; {reps} replications were run, but the result files hold no confidence intervals yet."
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
        Three to five sentences: the two to three flows whose simulated capacity changes most (Mt/yr, relative
        change, bound, limiting element), the other flows in one sentence, the largest change in transit time
        (days) and the precision of the capacity search.
    """
    regs = result.comparison["regions"]
    pairs = [(r, d) for r in REGIONS for d in DIRECTIONS
             if regs[r][d]["before"].get("simulated_mt") is not None
             or regs[r][d]["after"].get("simulated_mt") is not None]

    def weight(rd):
        k = regs[rd[0]][rd[1]]
        b, a = k["before"].get("simulated_mt"), k["after"].get("simulated_mt")
        return (abs((a or 0) - (b or 0)), max(a or 0, b or 0))

    pairs.sort(key=weight, reverse=True)
    msgs = []
    if not pairs:
        msgs.append(f"No region has flows in {result.runs[0].name} or {result.runs[1].name}: there is no "
                    f"capacity to compare.")
    head, rest = (pairs, []) if len(pairs) <= 3 else (pairs[:2], pairs[2:])
    msgs += [_compare_headline(result, names, r, d) for r, d in head]
    if rest:
        msgs.append("Elsewhere (simulated, Mt/yr): " + "; ".join(_short_change(result, r, d) for r, d in rest) + ".")
    t = _transit_message(result)
    if t:
        msgs.append(t)
    msgs.append(_precision_message(result))
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
        Three to five sentences: trains generated, delivered, refused and under way; delivered Mt/yr and mean
        transit (days) of the three largest flows; the busiest element (utilisation %); the longest mean wait (h);
        the seed.
    """
    (run,) = result.runs
    s = run.summary
    tr = s.get("trains", {})
    msgs = [(f"Of {fmt_num(tr.get('generated'), 0)} trains generated, {fmt_num(tr.get('delivered'), 0)} were "
             f"delivered, {fmt_num(tr.get('refused'), 0)} refused at entry and {fmt_num(tr.get('in_network'), 0)} "
             f"still under way at the end.")]
    regs = [(r, d, s["regions"][r][d]) for r in REGIONS for d in DIRECTIONS
            if (s["regions"].get(r, {}).get(d, {}).get("delivered_mt") or 0) > 0]
    regs.sort(key=lambda x: -x[2]["delivered_mt"])
    if regs:
        parts = [f"{fmt_mt(x['delivered_mt'])} Mt/yr {flow_label(r, d)} in {fmt_num(x['transit_days_mean'])} days"
                 for r, d, x in regs[:3]]
        msgs.append("Delivered freight and mean transit: " + "; ".join(parts) + ".")
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
    reps = int((run.scenario.get("simulation") or {}).get("replications") or 1)
    msgs.append(f"These figures come from one simulation (seed {s.get('seed')}"
                + (f", {reps} replications" if reps > 1 else "") + "); the spread between random seeds is not "
                "measured, and a run does not give capacity: use 'corridors compare' or 'corridors capacity' for that.")
    return msgs[:5]

