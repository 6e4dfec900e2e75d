"""Turn a :class:`~corridors.simulation.SimResult` into tables, indicators and files.

Output folder of ``corridors run`` (keys of ``summary.json`` are a contract)::

    summary.json             scenario, seed, sim_days, trains{...}, regions{R: {inbound, outbound}}, ...,
                             warnings[...] (refusals, a growing backlog, a short horizon: run_warnings),
                             disruption{...} (backlog, recovery, delays against the undisturbed twin, or null),
                             emissions{...} (well-to-wheel t CO2e a year and g CO2e/tkm, network and markets),
                             costs{...} (USD per t and per 20 t per 500 km as CAREC CPMM, time as a share of value)
    sections.csv / .gpkg     per rail section: trains/day each way, occupied share, waits, capacity
    crossings.csv            borders and ferries: throughput, queue, waits, dwell, clearance hold by direction
    yards.csv                nodes with a yard: trains/day (all directions), waits, capacity, utilisation
    nodes.csv                every node: id, name, country, type, region, lon/lat (places named without the network)
    timeseries.csv           per day, for the network and each market: generated, refused, delivered, in the network
                             (and in the undisturbed twin's network, for a scenario with disruptions)
    queues.csv               trains waiting at each element at each day's end (rows with none left out)
    disruption.csv           with closures or slowdowns: peak backlog, time to recover, delays, per market
                             (means and 95 % half-widths over replications)
    trains.csv.gz            one row per train
    corridors.csv            CAREC CPMM indicators per flow (corridor), with its t CO2e a year and g CO2e/tkm by rail and
                             by road and its cost (USD per t, per 20 t per 500 km); with replications also their mean
                             and 95 % half-width
    scenario.resolved.yaml   the scenario after extends and changes
    run.json                 version, seed, library versions, wall time, input hashes
    map.png                  utilisation map (drawn by corridors.figures)
    backlog.png              trains in the network day by day: the network and the busiest markets (and, for a
                             scenario with disruptions, the undisturbed twin and the backlog it added)

Everything except ``run.json`` is a pure function of scenario and seed, so a
rerun with the same seed writes byte-identical files.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import platform
from dataclasses import asdict
from pathlib import Path

import numpy as np

from corridors import REGIONS, __version__
from corridors.availability import available_capacities
from corridors.costs import cost_figures, run_costs, shipped_costs
from corridors.daily import (
    QUEUE_COLUMNS,
    TIMESERIES_COLUMNS,
    DailyBalance,
    queue_rows,
    timeseries_rows,
)
from corridors.disruption import FIGURE_KEYS, replication_figures
from corridors.elements import (
    Capacity,
    ferry_transit_h,
    utilisation,
    yard_capacity_per_day,
)
from corridors.emissions import run_emissions, shipped_factors
from corridors.footprint import co2_figures, cost_stats, emission_stats
from corridors.model import RunSpec
from corridors.network import BorderCrossing, FerryLink, RailSection
from corridors.simulation import HOURS_PER_DAY, SimResult
from corridors.statistics import mean_ci95

#: Format version of result folders; ``corridors brief`` refuses other majors.
RESULT_FORMAT = "2.0"  # 2.0: a fifth market (Central Asia) in every regions block; yards.csv


def _r(x: float, nd: int = 4) -> float:
    """Round for stable, readable files (nan becomes None in JSON)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None  # type: ignore[return-value]
    return round(float(x), nd)


def capacities(spec: RunSpec) -> dict[str, Capacity]:
    """Analytic capacity of every link of the run's network under its operating rules.

    Parameters
    ----------
    spec
        The scenario (its network and ``operations``: maintenance window,
        meeting overhead, reference wagons per train; its closures and
        slowdowns over the measured period).

    Returns
    -------
    dict of str to Capacity
        :func:`corridors.availability.available_capacities`: per link id,
        :func:`corridors.elements.link_capacity` times the share of it that
        closures and slowdowns leave over the measured period.
    """
    return available_capacities(spec)


def section_rows(spec: RunSpec, res: SimResult) -> list[dict]:
    """One row per rail section (``sections.csv``)."""
    caps = capacities(spec)
    rows = []
    for lid, lk in sorted(spec.network.links.items()):
        if not isinstance(lk, RailSection):
            continue
        ab, ba = res.elements[lid].ab, res.elements[lid].ba
        rows.append({
            "id": lid, "name": lk.name, "from_node": lk.from_node, "to_node": lk.to_node,
            "country": lk.country, "length_km": lk.length_km, "tracks": lk.tracks, "status": lk.status,
            "trains_per_day_ab": _r(ab.trains_per_day, 3),
            "trains_per_day_ba": _r(ba.trains_per_day, 3),
            "occupied_share_ab": _r(ab.busy_share),
            "occupied_share_ba": _r(ba.busy_share),
            "wait_mean_h_ab": _r(ab.wait_mean_h, 3),
            "wait_mean_h_ba": _r(ba.wait_mean_h, 3),
            "wait_max_h": _r(max(ab.wait_max_h, ba.wait_max_h), 3),
            "capacity_trains_per_day": _r(caps[lid].trains_per_day, 3),
            "capacity_shared_by_directions": caps[lid].shared,
            "utilisation": _r(utilisation(lk, caps[lid], ab.trains_per_day, ba.trains_per_day)),
        })
    return rows


def crossing_rows(spec: RunSpec, res: SimResult) -> list[dict]:
    """One row per border crossing and ferry link (``crossings.csv``)."""
    caps = capacities(spec)
    measured_h = (res.sim_days - res.warmup_days) * HOURS_PER_DAY
    rows = []
    for lid, lk in sorted(spec.network.links.items()):
        if isinstance(lk, RailSection):
            continue
        el = res.elements[lid]
        row = {"id": lid, "name": lk.name, "kind": lk.kind, "from_node": lk.from_node, "to_node": lk.to_node}
        for d in ("ab", "ba"):
            p = el.direction(d)
            row[f"trains_per_day_{d}"] = _r(p.trains_per_day, 3)
            row[f"wait_mean_h_{d}"] = _r(p.wait_mean_h, 3)
            row[f"wait_p95_h_{d}"] = _r(p.wait_p95_h, 3)
            # Little's law: mean number waiting = arrival rate x mean wait.
            row[f"queue_mean_{d}"] = _r(p.trains / max(measured_h, 1e-9) * p.wait_mean_h, 3)
        if isinstance(lk, BorderCrossing):
            row["dwell_h"] = lk.dwell_h
            row["clearance_h_ab"], row["clearance_h_ba"] = lk.clearance_ab_h, lk.clearance_ba_h
            row["gauge_change"] = lk.gauge_change
            row["sailings"] = row["wagons_carried"] = None
        elif isinstance(lk, FerryLink):
            row["dwell_h"] = _r(ferry_transit_h(lk), 3)
            row["clearance_h_ab"] = row["clearance_h_ba"] = 0.0
            row["gauge_change"] = False
            row["sailings"] = el.ferry.sailings
            row["wagons_carried"] = el.ferry.wagons_carried
        row["capacity_trains_per_day"] = _r(caps[lid].trains_per_day, 3)
        row["utilisation"] = _r(utilisation(lk, caps[lid], el.ab.trains_per_day, el.ba.trains_per_day))
        rows.append(row)
    return rows


#: Columns of ``yards.csv`` (written as its header when the network has no yard).
YARD_COLUMNS = ("id", "name", "node_type", "yard_tracks", "yard_dwell_h", "trains_per_day", "wait_mean_h",
                "wait_p95_h", "queue_mean", "capacity_trains_per_day", "utilisation")


#: Columns of ``nodes.csv``: every node of the run's network, so a result folder names its places on its own.
NODE_COLUMNS = ("id", "name", "country", "node_type", "region", "lon", "lat")


def node_rows(spec: RunSpec) -> list[dict]:
    """One row per node of the run's network (``nodes.csv``): id, name, country, type, region, position (degrees)."""
    return [{"id": n.id, "name": n.name, "country": n.country, "node_type": n.node_type, "region": n.region,
             "lon": n.lon, "lat": n.lat} for n in sorted(spec.network.nodes.values(), key=lambda n: n.id)]


def yard_rows(spec: RunSpec, res: SimResult) -> list[dict]:
    """One row per node with a yard (``yards.csv``): trains a day, all directions, waits, capacity, utilisation."""
    measured_h = (res.sim_days - res.warmup_days) * HOURS_PER_DAY
    rows = []
    for nid, st in sorted(res.yards.items()):
        node = spec.network.nodes[nid]
        cap = yard_capacity_per_day(node)
        rows.append({
            "id": nid, "name": node.name, "node_type": node.node_type, "yard_tracks": node.yard_tracks,
            "yard_dwell_h": node.yard_dwell_h, "trains_per_day": _r(st.trains_per_day, 3),
            "wait_mean_h": _r(st.wait_mean_h, 3), "wait_p95_h": _r(st.wait_p95_h, 3),
            "queue_mean": _r(st.trains / max(measured_h, 1e-9) * st.wait_mean_h, 3),
            "capacity_trains_per_day": _r(cap, 3), "utilisation": _r(st.trains_per_day / cap),
        })
    return rows


def _measured(res: SimResult):
    warm = res.warmup_days * HOURS_PER_DAY
    return [t for t in res.trains if t.generated_h >= warm]


def region_stats(spec: RunSpec, res: SimResult) -> dict:
    """Per region and direction: offered and delivered Mt/yr, trains, transit days.

    Inbound = flows whose destination is in the region; outbound = whose origin
    is. Volumes are trains generated (offered) or delivered in the measured
    period, annualised.
    """
    warm = res.warmup_days * HOURS_PER_DAY
    years = _years(res)
    out = {}
    for region in REGIONS:
        out[region] = {}
        for direction in ("inbound", "outbound"):
            ids = spec.market_flows(region, direction)
            offered = [t for t in res.trains if t.flow in ids and t.generated_h >= warm]
            delivered = [t for t in delivered_in_window(res) if t.flow in ids]
            transit = np.array([t.transit_h / HOURS_PER_DAY for t in delivered])
            out[region][direction] = {
                "offered_mt": _r(sum(t.tonnes for t in offered) / 1e6 / years),
                "delivered_mt": _r(sum(t.tonnes for t in delivered) / 1e6 / years),
                "trains": len(delivered),
                "transit_days_mean": _r(transit.mean(), 3) if len(transit) else None,
                "transit_days_p95": _r(np.percentile(transit, 95), 3) if len(transit) else None,
            }
    return out


def delivered_in_window(res: SimResult) -> list:
    """Return the trains delivered in the measured period (arrived after warm-up), the sample of every indicator."""
    warm = res.warmup_days * HOURS_PER_DAY
    return [t for t in res.trains if t.status == "delivered" and t.arrived_h >= warm]


def cpmm_speeds_kmh(trains: list) -> tuple[float, float]:
    """Return the CAREC CPMM speeds of delivered trains, km/h: (without delay, with delay).

    Speed without delay is the mean over trains of route km / moving hours;
    speed with delay, of route km / door-to-door hours (CAREC CPMM's
    definitions, applied per train and averaged).
    """
    km = np.array([t.route_km for t in trains])
    moving = np.array([t.moving_h for t in trains])
    total = np.array([t.transit_h for t in trains])
    return float((km / np.maximum(moving, 1e-9)).mean()), float((km / np.maximum(total, 1e-9)).mean())


def corridor_indicators(res: SimResult, co2: dict | None = None, costs: dict | None = None) -> list[dict]:
    """CAREC CPMM rail indicators per flow, from trains delivered in the measured period.

    Speed without delay = route km / moving hours; speed with delay = route km /
    door-to-door hours (:func:`cpmm_speeds_kmh`); border crossing time = mean
    hours per crossing (queue, dwell and clearance hold). With ``co2`` (per
    train id, :func:`corridors.emissions.run_emissions`) also the flow's
    well-to-wheel emissions a year (t CO2e) and per tonne-km (g CO2e), by rail
    and for the same tonne-km by road; with ``costs`` (per train id,
    :func:`corridors.costs.run_costs`) its cost per tonne and in the CPMM form
    (USD per 20 t per 500 km, :func:`corridors.costs.cost_figures`).
    """
    by_flow: dict[str, list] = {}
    for t in delivered_in_window(res):
        by_flow.setdefault(t.flow, []).append(t)
    rows = []
    for fid, ts in sorted(by_flow.items()):
        km = np.array([t.route_km for t in ts])
        total = np.array([t.transit_h for t in ts])
        crossings = sum(t.border_crossings for t in ts)
        without, with_delay = cpmm_speeds_kmh(ts)
        rows.append({
            "corridor": fid,
            "trains": len(ts),
            "route_km_mean": _r(km.mean(), 1),
            "speed_without_delay_kmh": _r(without, 2),
            "speed_with_delay_kmh": _r(with_delay, 2),
            "border_crossing_time_h": _r(sum(t.border_h for t in ts) / crossings, 2) if crossings else None,
            "transit_days_mean": _r(total.mean() / HOURS_PER_DAY, 3),
            **({} if co2 is None else co2_figures([co2[t.train_id] for t in ts], _years(res))),
            **({} if costs is None else _corridor_cost([costs[t.train_id] for t in ts], _years(res))),
        })
    return rows


def _corridor_cost(costs: list, years: float) -> dict:
    """Return the cost figures of ``corridors.csv``: USD per tonne and per 20 t per 500 km (CPMM TFI3 form)."""
    got = cost_figures(costs, years, shipped_costs())
    return {k: got[k] for k in ("usd_per_t", "usd_per_20t_500km")}


def _years(res: SimResult) -> float:
    """Return the measured period in years (365 days)."""
    return max((res.sim_days - res.warmup_days) / 365.0, 1e-9)


#: A backlog is reported when more trains are left in the network than this many times a steady flow's number.
BACKLOG_FACTOR = 1.5
#: ... and at least this many more (a few trains above a small steady number are noise).
BACKLOG_MIN_TRAINS = 10
#: The measured period should be at least this many times the longest mean transit time.
HORIZON_TRANSITS = 3.0


def run_warnings(res: SimResult) -> list[str]:
    """Return what a reader of a run must know before trusting its means, in words (``[]`` when nothing).

    Three rules, each written once here (the CLI prints them, ``summary.json``
    keeps them under ``warnings``, the brief lists them among its caveats):

    * **Refusals**: trains refused at entry mean the demand outran what the
      network could take in at the origins.
    * **A growing backlog**: by Little's law a steady flow has about
      ``L = lambda W`` trains under way (``lambda`` delivered trains per hour in
      the measured period, ``W`` their mean transit hours). More than
      :data:`BACKLOG_FACTOR` times ``L``, and :data:`BACKLOG_MIN_TRAINS` more,
      left at the end means queues grew over the run: demand is above what the
      network carries, or the horizon is too short for them to drain.
    * **A short horizon**: a measured period under :data:`HORIZON_TRANSITS`
      times the longest mean transit time of a flow (trains that leave in its
      last transit time are not counted as delivered, so volumes read low), a
      warm-up shorter than that transit time, or a flow that offered trains
      and delivered none.

    Parameters
    ----------
    res
        One simulation's result.

    Returns
    -------
    list of str
        One sentence per rule that fires.
    """
    out: list[str] = []
    if res.refused:
        why = ", ".join(f"{n:,} {reason.replace('_', ' ')}" for reason, n in sorted(res.refused_by_reason.items()))
        out.append(f"{res.refused:,} trains were refused at entry ({why}): the demand outran what the network "
                   "could take in; 'corridors capacity' measures how much it can carry.")
    warm = res.warmup_days * HOURS_PER_DAY
    measured_h = max(res.sim_days * HOURS_PER_DAY - warm, 1e-9)
    delivered = delivered_in_window(res)
    transit_h = np.array([t.transit_h for t in delivered])
    steady = len(delivered) / measured_h * float(transit_h.mean()) if len(delivered) else 0.0
    if res.in_network > BACKLOG_FACTOR * steady and res.in_network - steady >= BACKLOG_MIN_TRAINS:
        out.append(f"{res.in_network:,} trains were still in the network at the end, where a steady flow would "
                   f"have about {steady:,.0f} under way (delivered rate x mean transit time): a backlog grew over "
                   "the run, so demand is above what the network carries or the horizon is too short to drain it.")
    by_flow: dict[str, list[float]] = {}
    for t in delivered:
        by_flow.setdefault(t.flow, []).append(t.transit_h / HOURS_PER_DAY)
    offered = sorted({t.flow for t in res.trains if t.generated_h >= warm and t.status != "refused"})
    silent = [f for f in offered if f not in by_flow]
    if by_flow:
        flow, days = max(((f, float(np.mean(v))) for f, v in by_flow.items()), key=lambda x: (x[1], x[0]))
        measured_d = measured_h / HOURS_PER_DAY
        if measured_d < HORIZON_TRANSITS * days or res.warmup_days < days:
            out.append(f"The horizon is short for the routes: flow {flow} takes {days:.1f} days on average, against "
                       f"a warm-up of {res.warmup_days:g} days and a measured period of {measured_d:g} days (at "
                       f"least {HORIZON_TRANSITS:g} transit times advised); delivered volumes and transit times read "
                       "low. Run longer (--days).")
    if silent:
        shown = ", ".join(silent[:5]) + (f" and {len(silent) - 5} more" if len(silent) > 5 else "")
        out.append(f"{len(silent)} flow(s) offered trains and delivered none in the measured period ({shown}): "
                   "their routes take longer than the run, or are blocked. Run longer (--days) or check them.")
    return out


def summary(spec: RunSpec, res: SimResult, disruption: dict | None = None) -> dict:
    """Build the ``summary.json`` document (its top-level keys are a contract).

    ``disruption`` is :func:`corridors.disruption.summary_doc` for a scenario
    with closures or slowdowns (``None`` otherwise).
    """
    delivered = delivered_in_window(res)
    co2 = run_emissions(spec, delivered, shipped_factors())
    costs = run_costs(spec, delivered, shipped_costs())
    return {
        "scenario": spec.name,
        "seed": res.seed,
        "sim_days": res.sim_days,
        "warmup_days": res.warmup_days,
        "version": __version__,
        "result_format": RESULT_FORMAT,
        "trains": {
            "generated": res.generated, "delivered": res.delivered,
            "in_network": res.in_network, "refused": res.refused,
        },
        "refused_by_reason": res.refused_by_reason,
        "in_network_where": res.in_network_where,
        "regions": region_stats(spec, res),
        "corridor_indicators": corridor_indicators(res, co2, costs),
        "route_shares": res.route_shares,
        "warnings": run_warnings(res),
        "disruption": disruption,
        "emissions": emission_stats(spec, [co2[t.train_id] for t in delivered], _years(res)),
        "costs": cost_stats(spec, [costs[t.train_id] for t in delivered], _years(res)),
    }


def train_rows(res: SimResult) -> list[dict]:
    """``trains.csv.gz`` rows, times rounded to the second."""
    rows = []
    for t in res.trains:
        d = asdict(t)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = _r(v, 4)
        rows.append(d)
    return rows


def write_csv(path: Path, rows: list[dict], *, gz: bool = False, columns: tuple[str, ...] = ()) -> None:
    """Write ``rows`` (dicts with the same keys) as CSV; gzip with a fixed mtime when asked.

    ``columns`` is the header to write when there are no rows (else the file is empty).
    """
    buf = io.StringIO()
    if rows or columns:
        w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()) if rows else list(columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    if gz:
        with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as g:
            g.write(data)
    else:
        path.write_bytes(data)


def write_json(path: Path, doc: dict) -> None:
    """Stable JSON: sorted keys only where order carries no meaning (we keep insertion order)."""
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


#: ``gpkg_contents.last_change`` of every GeoPackage written: GDAL stamps the time of writing, which would
#: make the file differ on every run; a fixed value keeps the same run giving the same bytes.
GPKG_LAST_CHANGE = "1970-01-01T00:00:00.000Z"


def write_sections_gpkg(path: Path, spec: RunSpec, rows: list[dict]) -> None:
    """``sections.gpkg``: the section rows with their line geometry, for QGIS (same rows, same bytes)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    net = spec.network
    geoms = []
    for row in rows:
        lk = net.links[row["id"]]
        coords = lk.coords or tuple((net.nodes[n].lon, net.nodes[n].lat) for n in lk.ends)
        geoms.append(LineString(coords))
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    gdf.to_file(path, layer="sections", driver="GPKG")
    fix_gpkg_timestamps(path)


def fix_gpkg_timestamps(path: str | Path) -> None:
    """Replace the time of writing that GDAL stores in a GeoPackage with :data:`GPKG_LAST_CHANGE`.

    Parameters
    ----------
    path
        A GeoPackage just written (every layer's ``gpkg_contents.last_change``
        is set; GDAL stores no other time in it).
    """
    import sqlite3

    con = sqlite3.connect(path)
    try:
        with con:
            con.execute("UPDATE gpkg_contents SET last_change = ?", (GPKG_LAST_CHANGE,))
    finally:
        con.close()


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_metadata(spec: RunSpec, *, wall_time_s: float, extra: dict | None = None) -> dict:
    """``run.json``: what produced this result (the only file that varies between reruns)."""
    import datetime
    from importlib.metadata import PackageNotFoundError, version

    libs = {}
    for pkg in ("simpy", "networkx", "numpy", "scipy", "pydantic", "geopandas", "shapely", "matplotlib"):
        try:
            libs[pkg] = version(pkg)
        except PackageNotFoundError:
            libs[pkg] = None
    files = {}
    for f in (*spec.source_files, spec.network.source):
        if f and Path(f).exists():
            files[str(f)] = file_sha256(f)
    return {
        "corridors_version": __version__,
        "result_format": RESULT_FORMAT,
        "scenario": spec.name,
        "seed": spec.settings.seed,
        "sim_days": spec.settings.days,
        "warmup_days": spec.settings.warmup_days,
        "network": {"name": spec.network.name, "version": spec.network.version, "file": spec.network.source},
        "input_sha256": files,
        "python": platform.python_version(),
        "libraries": libs,
        "wall_time_s": round(wall_time_s, 3),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **(extra or {}),
    }


def write_run(
    out: Path, spec: RunSpec, res: SimResult, *, replications: dict | None = None,
    secs: list[dict] | None = None, crossings: list[dict] | None = None,
    undisturbed: list[DailyBalance] | None = None, disruption: dict | None = None,
) -> dict:
    """Write the tables of one run into ``out`` (an existing, empty folder); return the summary.

    ``replications`` (from :func:`replication_stats`) is added to ``summary.json``
    when the scenario asked for more than one run. ``secs`` and ``crossings``
    are the rows of :func:`section_rows` and :func:`crossing_rows` when the
    caller already has them. ``undisturbed`` (the twin's :func:`daily_balances`)
    and ``disruption`` (:func:`corridors.disruption.summary_doc`) are given for
    a scenario with disruptions.
    """
    doc = summary(spec, res, disruption)
    if replications is not None:
        doc["replications"] = replications
    write_json(out / "summary.json", doc)
    secs = section_rows(spec, res) if secs is None else secs
    write_csv(out / "sections.csv", secs)
    write_sections_gpkg(out / "sections.gpkg", spec, secs)
    write_csv(out / "crossings.csv", crossing_rows(spec, res) if crossings is None else crossings)
    write_csv(out / "yards.csv", yard_rows(spec, res), columns=YARD_COLUMNS)
    write_csv(out / "nodes.csv", node_rows(spec), columns=NODE_COLUMNS)
    write_csv(out / "timeseries.csv", timeseries_rows(spec, res, undisturbed), columns=TIMESERIES_COLUMNS)
    write_csv(out / "queues.csv", queue_rows(spec, res), columns=QUEUE_COLUMNS)
    if disruption:
        write_csv(out / "disruption.csv", disruption_rows(doc), columns=DISRUPTION_COLUMNS)
    write_csv(out / "trains.csv.gz", train_rows(res), gz=True)
    write_csv(out / "corridors.csv", corridor_rows(doc))
    return doc


#: Columns of ``disruption.csv``: per group, each figure's mean and 95 % half-width over replications.
DISRUPTION_COLUMNS = ("market", "direction", "touched_in", "recovered_in", "ongoing_in", "replications",
                      *(f"{k}_{x}" for k in FIGURE_KEYS for x in ("mean", "ci95")))


def disruption_rows(doc: dict) -> list[dict]:
    """Rows of ``disruption.csv``: the network's figures, then every market's, over the run's replications.

    ``doc`` is the run's ``summary.json`` (its ``disruption`` block and, with several replications,
    ``replications.disruption``); with one run each ``_ci95`` is empty. ``recovery_days`` is averaged over
    the ``recovered_in`` replications that recovered.
    """
    reps = (doc.get("replications") or {}).get("disruption") or replication_figures([doc["disruption"]])
    rows = []
    for g in [reps["network"], *reps["markets"]]:
        row = {"market": g["market"], "direction": g["direction"], "touched_in": g["touched_in"],
               "recovered_in": g["recovered_in"], "ongoing_in": g["ongoing_in"], "replications": reps["n"]}
        for k in FIGURE_KEYS:
            row[f"{k}_mean"], row[f"{k}_ci95"] = ((g[k] or {}).get("mean"), (g[k] or {}).get("ci95"))
        rows.append(row)
    return rows


def corridor_rows(doc: dict) -> list[dict]:
    """Rows of ``corridors.csv``: this run's CPMM indicators, and over replications their mean and 95 % half-width.

    With replications (``doc["replications"]``), each indicator of
    :data:`CORRIDOR_KEYS` gains ``<key>_mean`` and ``<key>_ci95`` columns; the
    plain columns are the first replication's (the run this folder holds).
    """
    reps = (doc.get("replications") or {}).get("corridors")
    if not reps:
        return doc["corridor_indicators"]
    rows = []
    for c in doc["corridor_indicators"]:
        row = dict(c)
        for k in CORRIDOR_KEYS:
            e = (reps.get(c["corridor"]) or {}).get(k) or {}
            row[f"{k}_mean"], row[f"{k}_ci95"] = e.get("mean"), e.get("ci95")
        rows.append(row)
    return rows


def _mean_ci95(values: list) -> dict | None:
    """``{"mean", "ci95"}`` (:func:`corridors.statistics.mean_ci95`), ``None`` when no value is given."""
    got = mean_ci95(values)
    return None if got["mean"] is None else got


#: CAREC CPMM indicators of ``corridors.csv`` given with intervals over replications.
CORRIDOR_KEYS = ("trains", "speed_without_delay_kmh", "speed_with_delay_kmh", "border_crossing_time_h",
                 "transit_days_mean", "co2e_t_per_year", "g_co2e_per_tkm", "usd_per_t", "usd_per_20t_500km")


def replication_stats(summaries: list[dict]) -> dict:
    """Mean and 95 % confidence half-width (Student t, :mod:`corridors.statistics`) of a run's figures over replications.

    Parameters
    ----------
    summaries : list of dict
        Each replication's ``summary.json``, in replication order.

    Returns
    -------
    dict
        ``{"n", "seeds", "regions": {R: {direction: {key: {"mean", "ci95"}}}},
        "corridors": {corridor: {key: {"mean", "ci95"}}}}``: regional offered and
        delivered Mt/yr and transit days (mean, 95th percentile), and the CPMM
        indicators of every corridor (:data:`CORRIDOR_KEYS`) over the
        replications that delivered trains on it; with disruptions also
        ``"disruption"``: :func:`corridors.disruption.replication_figures`; and ``"emissions": {R: {direction:
        {key: {"mean", "ci95"}}}}`` of each market's ``co2e_t_per_year`` and ``g_co2e_per_tkm``, and
        ``"costs"`` alike of its ``usd_per_t`` and ``usd_per_20t_500km``.
    """
    out: dict = {"n": len(summaries), "seeds": [s["seed"] for s in summaries], "regions": {}, "corridors": {}}
    keys = ("offered_mt", "delivered_mt", "transit_days_mean", "transit_days_p95")
    for region in REGIONS:
        out["regions"][region] = {}
        for d in ("inbound", "outbound"):
            out["regions"][region][d] = {k: _mean_ci95([s["regions"][region][d][k] for s in summaries])
                                         for k in keys}
    rows = [{c["corridor"]: c for c in s.get("corridor_indicators") or []} for s in summaries]
    for cid in sorted({c for r in rows for c in r}):
        out["corridors"][cid] = {k: _mean_ci95([r[cid][k] for r in rows if cid in r]) for k in CORRIDOR_KEYS}
    if all(s.get("emissions") for s in summaries):
        out["emissions"] = {r: {d: {k: _mean_ci95([s["emissions"]["regions"][r][d][k] for s in summaries])
                                    for k in ("co2e_t_per_year", "g_co2e_per_tkm")}
                                for d in ("inbound", "outbound")} for r in REGIONS}
    if all(s.get("costs") for s in summaries):
        out["costs"] = {r: {d: {k: _mean_ci95([s["costs"]["regions"][r][d][k] for s in summaries])
                                for k in ("usd_per_t", "usd_per_20t_500km")}
                            for d in ("inbound", "outbound")} for r in REGIONS}
    blocks = [s["disruption"] for s in summaries if s.get("disruption")]
    if blocks:
        out["disruption"] = replication_figures(blocks)
    return out



