"""Discrete-event simulation of freight trains on the network (SimPy).

Time is in **hours** (float) from 1 January 00:00 of the first simulated year;
day ``d`` is ``[24 d, 24 (d + 1))``. Distances are km, speeds km/h.

What occupies what
------------------
* **Single track.** A section with loop spacing ``s`` is cut into
  ``n = max(1, floor(length / s + 0.5))`` equal blocks between passing loops
  (halves round up; :func:`corridors.elements.block_layout`, the same blocks
  the capacity formula and the LP bound use). A block
  is a resource of capacity one shared by both directions: opposing trains can
  only meet in a loop, and a following train keeps at least one block behind.
  A train holds a block for its running time plus the meeting overhead (the
  block is released ``overhead`` after the train has left it). Where trains
  wait for the same block, the one further into the section goes first
  (then cargo priority, then arrival order): clearing the line keeps opposing
  trains from filling the loops and halving the throughput.
* **Double track.** Each direction has an entry gate held for one timetable
  headway per train (the minimum headway over the UIC 406 occupancy limit,
  :func:`corridors.elements.timetable_headway_min`); a train leaves a section no
  earlier than one headway after the train ahead of it, so there is no
  overtaking inside a section.
* **Maintenance.** Every day from ``maintenance_start_h`` for ``maintenance_h``
  no train moves on the track. On single track a train does not enter a block
  that it could not clear before the window opens (its running time over the
  block at its own speed): it waits at the loop until the window has closed.
  On double track no train enters the section during the window, and a train
  already on it stands at a station while the window is in force, then runs
  on (a double-track section has intermediate stations).
* **Border crossings.** Per direction, ``handling_tracks`` parallel servers with
  a log-normal dwell (typical ``dwell_h``, spread ``dwell_cv``), and a daily
  exchange limit where one exists (the count resets at midnight).
* **Caspian ferries.** Vessels cycle between the two ports. A train is split
  into wagon lots; a vessel loads until full or until ``max_wait_h`` after it
  started loading, sails (not while a storm or closure is on), unloads, and the
  train is made up again when its last wagon is ashore. Storms are random,
  with a winter-heavy season and a long-run share ``weather_downtime_share``.
* **Closures and slowdowns** (scenario disruptions) stop entry into an element,
  or divide its speed or handling rate by ``1 / factor``, for their interval.
  A train that finds the link ahead closed may take another way from the node
  where it stands (:mod:`~corridors.simulation.reroute`).

Deadlock freedom
----------------
No train ever waits for a resource while holding another one in a way that
depends on that wait: a block is released a fixed time after entry whatever
happens next, loops (and yards at borders and ports) hold any number of
waiting trains, and vessels always sail after at most ``max_wait_h``. The
"hold and wait" condition of a deadlock therefore never arises; the stress
test in ``tests/test_simulation.py`` checks it under heavy opposing traffic.

Counting
--------
Every generated train ends as delivered, still in the network (with the
element it is on or waiting for), or refused at entry (``origin_backlog``:
more than ``max_origin_backlog_days`` of the flow's trains are already
waiting to enter; ``no_route``: no route exists). :class:`SimResult` keeps the
three counts, and they add up by construction and by test.

Layout
------
``engine`` (the run: demand, routes, :class:`Simulation`, :func:`simulate`),
``reroute`` (the rule for changing route on the way),
``elements_sim`` (one SimPy class per element type), ``resources`` (the block
resource, disruption schedules, the calendar), ``records`` (the result
records), ``streams`` (one random stream per purpose and object). The element rules shared
with the capacity formulas live in :mod:`corridors.elements`.

The package imports neither geopandas nor matplotlib; its input
(:class:`~corridors.model.RunSpec`) and output (:class:`SimResult`) are plain
picklable data.
"""

from corridors.elements import HOURS_PER_DAY
from corridors.simulation.engine import Simulation, flow_routes, simulate
from corridors.simulation.records import (
    DirectionStats,
    ElementResult,
    FerryStats,
    SimResult,
    SingleTrackStats,
    TrainRecord,
)

__all__ = [
    "HOURS_PER_DAY",
    "DirectionStats",
    "ElementResult",
    "FerryStats",
    "SimResult",
    "Simulation",
    "SingleTrackStats",
    "TrainRecord",
    "flow_routes",
    "simulate",
]
