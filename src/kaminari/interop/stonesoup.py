"""kaminari's result tables as Stone Soup objects, and OSPA / GOSPA by Stone Soup's metrics.

Stone Soup (https://stonesoup.readthedocs.io, the UK DSTL tracking framework) is an optional
extra: ``pip install 'kaminari[stonesoup]'``. The API used here (``GroundTruthPath``,
``GroundTruthState``, ``Track``, ``GaussianState``, ``measures.Euclidean``, ``MultiManager``,
``OSPAMetric``, ``GOSPAMetric``) is that of Stone Soup 1.2 and later, as documented in its
reference pages (stonesoup.types, stonesoup.measures, stonesoup.metricgenerator).

State vectors follow Stone Soup's Cartesian convention, position and velocity interleaved:
``[x, vx, y, vy, z, vz]`` (m, m/s; ECEF as in kaminari's tables), so ``POSITION`` = (0, 2, 4)
maps the position. Times are ``epoch + timedelta(seconds=t_s)`` (datetime, microsecond
resolution: time stamps closer than 1 us merge).

Tables are pandas DataFrames or dicts of numpy arrays with kaminari's column names
(``kaminari.results.schema``): truth rows ``rep, threat, t_s, x_m, y_m, z_m`` (optional
``vx_mps, vy_mps, vz_mps``; NaN where absent), track rows ``rep, track_id, t_s, status, x_m,
y_m, z_m, vx_mps, vy_mps, vz_mps, var_x_m2, var_y_m2, var_z_m2`` (status 2: confirmed).
Stone Soup's objects are Python objects, one per state, so building them loops over rows;
the metrics loop over replications (Stone Soup computes one set of tracks at a time).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.manager import MultiManager
    from stonesoup.metricgenerator.ospametric import GOSPAMetric, OSPAMetric
    from stonesoup.types.array import CovarianceMatrix, StateVector
    from stonesoup.types.groundtruth import GroundTruthPath, GroundTruthState
    from stonesoup.types.state import GaussianState
    from stonesoup.types.track import Track
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "kaminari.interop.stonesoup needs Stone Soup, which is not installed: "
        "pip install 'kaminari[stonesoup]'"
    ) from err

__all__ = [
    "DEFAULT_EPOCH",
    "POSITION",
    "STATE_COLUMNS",
    "gospa_with_stonesoup",
    "ospa_with_stonesoup",
    "position_measure",
    "tracks",
    "truths",
]

STATE_COLUMNS = ("x_m", "vx_mps", "y_m", "vy_mps", "z_m", "vz_mps")
"""The table columns in the order of the Stone Soup state vector."""
POSITION = (0, 2, 4)
"""Indices of x, y, z in the state vector."""
DEFAULT_EPOCH = datetime(2000, 1, 1)
"""The epoch the metric functions use when none is given (only the offsets matter there)."""


def _columns(rows: Any, name: str, required: tuple[str, ...],
             optional: tuple[str, ...] = ()) -> dict[str, NDArray]:
    """The named columns of a DataFrame or dict of arrays as 1-D numpy arrays; optional ones
    absent become NaN. Source: kaminari.results.schema's column names."""
    out: dict[str, NDArray] = {}
    for col in required + optional:
        try:
            out[col] = np.asarray(rows[col]).reshape(-1)
        except (KeyError, IndexError, TypeError):
            if col in required:
                raise ValueError(f"{name}: got no column {col!r}; allowed: a table with "
                                 f"columns {', '.join(required)}") from None
    size = out[required[0]].size
    for col in optional:
        out.setdefault(col, np.full(size, np.nan))
    return out


def _keep(table: dict[str, NDArray], keep: NDArray[np.bool_]) -> dict[str, NDArray]:
    """Rows where ``keep``. Source: this module."""
    return {k: v[keep] for k, v in table.items()}


def _times(epoch: datetime, t_s: NDArray) -> list[datetime]:
    """``epoch + timedelta(seconds=t)`` per entry. Source: the module's time convention."""
    if not isinstance(epoch, datetime):
        raise ValueError(f"epoch: got {type(epoch).__name__}; allowed: a datetime")
    return [epoch + timedelta(seconds=float(t)) for t in t_s]


def _runs(*keys: NDArray) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row order sorting by ``keys`` (last key first, as np.lexsort) and the starts of runs
    of equal leading keys (all but the first key, the time). Source: numpy.lexsort."""
    order = np.lexsort(keys)
    if order.size == 0:
        return order, np.zeros(1, dtype=np.int64)
    change = np.zeros(order.size - 1, dtype=bool)
    for k in keys[1:]:
        s = k[order]
        change |= s[1:] != s[:-1]
    starts = np.r_[0, np.flatnonzero(change) + 1, order.size]
    return order, starts


def truths(truth_rows: Any, epoch: datetime, rep: int | None = None) -> set[GroundTruthPath]:
    """One Stone Soup ``GroundTruthPath`` per (rep, threat) of a truth table (kaminari's
    ``paths``), its ``GroundTruthState``s ``[x, vx, y, vy, z, vz]`` in time order (velocity
    NaN where the table has none), id ``"<rep>/<threat>"``; ``rep`` keeps one replication.
    Source: Stone Soup's stonesoup.types.groundtruth (GroundTruthPath, GroundTruthState).
    """
    table = _columns(truth_rows, "truth_rows", ("rep", "threat", "t_s", "x_m", "y_m", "z_m"),
                     ("vx_mps", "vy_mps", "vz_mps"))
    if rep is not None:
        table = _keep(table, table["rep"] == rep)
    threat = table["threat"].astype(str)
    _, threat_code = np.unique(threat, return_inverse=True)
    order, starts = _runs(table["t_s"].astype(float), threat_code, table["rep"])
    vectors = np.stack([table[c].astype(float) for c in STATE_COLUMNS], axis=-1)[order]
    stamps = _times(epoch, table["t_s"][order])
    paths = set()
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        if a == b:
            continue
        states = [GroundTruthState(StateVector(vectors[k]), timestamp=stamps[k])
                  for k in range(a, b)]
        first = order[a]
        paths.add(GroundTruthPath(states, id=f"{table['rep'][first]}/{threat[first]}"))
    return paths


def tracks(track_rows: Any, epoch: datetime, rep: int | None = None, min_status: int = 2,
           unknown: float = np.nan) -> set[Track]:
    """One Stone Soup ``Track`` per (rep, track_id) of a track table (kaminari's ``tracks``),
    of ``GaussianState``s ``[x, vx, y, vy, z, vz]`` in time order, id ``"<rep>/<track_id>"``.

    Only rows with ``status >= min_status`` are kept (2: confirmed tracks, 1: tentative too);
    ``rep`` keeps one replication. Covariance: the table records only the position variances
    ``var_x_m2, var_y_m2, var_z_m2``, which go on the diagonal; the position cross covariances
    are not recorded and are 0; the velocity variances and every covariance involving a
    velocity are unknown and set to ``unknown`` (NaN by default).
    Source: Stone Soup's stonesoup.types.track.Track, stonesoup.types.state.GaussianState.
    """
    table = _columns(track_rows, "track_rows", (
        "rep", "track_id", "t_s", "status", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps",
        "var_x_m2", "var_y_m2", "var_z_m2"))
    keep = table["status"].astype(int) >= min_status
    if rep is not None:
        keep &= table["rep"] == rep
    table = _keep(table, keep)
    order, starts = _runs(table["t_s"].astype(float), table["track_id"], table["rep"])
    vectors = np.stack([table[c].astype(float) for c in STATE_COLUMNS], axis=-1)[order]
    covars = np.zeros((order.size, 6, 6))
    vel = np.array([1, 3, 5])
    covars[:, vel, :] = unknown
    covars[:, :, vel] = unknown
    for i, c in zip(POSITION, ("var_x_m2", "var_y_m2", "var_z_m2"), strict=True):
        covars[:, i, i] = table[c].astype(float)[order]
    stamps = _times(epoch, table["t_s"][order])
    out = set()
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        if a == b:
            continue
        states = [GaussianState(StateVector(vectors[k]), CovarianceMatrix(covars[k]),
                                timestamp=stamps[k]) for k in range(a, b)]
        first = order[a]
        out.add(Track(states, id=f"{table['rep'][first]}/{table['track_id'][first]}"))
    return out


def position_measure() -> Euclidean:
    """Stone Soup's Euclidean measure over x, y, z of the state vector (metres).
    Source: stonesoup.measures.Euclidean with ``mapping=POSITION``."""
    return Euclidean(mapping=POSITION)


def _one_rep(track_rows: Any, truth_rows: Any, rep: int | None) -> int:
    """The replication to compare: ``rep``, or the only one in the tables.
    Source: this module (Stone Soup compares one set of tracks at a time)."""
    if rep is not None:
        return int(rep)
    found = np.union1d(
        np.asarray(_columns(track_rows, "track_rows", ("rep",))["rep"]),
        np.asarray(_columns(truth_rows, "truth_rows", ("rep",))["rep"]),
    )
    if found.size != 1:
        raise ValueError(f"rep: got None with replications {found.tolist()[:5]} in the tables; "
                         "allowed: the replication to compare, or tables of one replication")
    return int(found[0])


def _per_time(
    generator: Any, track_rows: Any, truth_rows: Any, epoch: datetime, rep: int | None,
    min_status: int,
) -> tuple[NDArray[np.float64], list[Any]]:
    """Run a Stone Soup metric generator through a ``MultiManager`` on one replication and
    return (t_s, the value per time stamp), t_s taken back from the tables.
    Source: stonesoup.metricgenerator.manager.MultiManager.generate_metrics."""
    r = _one_rep(track_rows, truth_rows, rep)
    trk = tracks(track_rows, epoch, rep=r, min_status=min_status)
    tru = truths(truth_rows, epoch, rep=r)
    seconds = {}
    for s in (*(x for t in trk for x in t.states), *(x for p in tru for x in p.states)):
        seconds.setdefault(s.timestamp, (s.timestamp - epoch) / timedelta(seconds=1))
    if not seconds:
        return np.zeros(0), []
    manager = MultiManager([generator])
    manager.add_data({"tracks": trk, "truths": tru})
    (metric,) = manager.generate_metrics()[generator.generator_name].values()
    singles = metric.value if isinstance(metric.value, list) else [metric]
    t_s = np.array([seconds[m.timestamp] for m in singles])
    return t_s, [m.value for m in singles]


def ospa_with_stonesoup(
    track_rows: Any, truth_rows: Any, cutoff_m: float, order: float = 1.0,
    epoch: datetime = DEFAULT_EPOCH, rep: int | None = None, min_status: int = 2,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """OSPA per time stamp by Stone Soup's ``OSPAMetric`` (c = ``cutoff_m``, p = ``order``)
    with the position-only Euclidean measure: returns (t_s, ospa_m), time-ordered, over the
    time stamps where either table has a row of replication ``rep`` (None: the tables' only
    one); tracks as ``tracks(..., min_status=min_status)``.

    Note: Stone Soup 1.9's ``OSPAMetric`` chooses the assignment that minimises the sum of
    cut-off distances and then takes the p-th powers; for p = 1 that is OSPA, for p > 1 it
    can exceed the OSPA of Schuhmacher et al. (``kaminari.tracking.metrics.ospa``), whose
    assignment minimises the sum of p-th powers; they agree when the best assignment is the
    same for both (well separated targets).
    Source: stonesoup.metricgenerator.ospametric.OSPAMetric.
    """
    gen = OSPAMetric(c=cutoff_m, p=order, measure=position_measure(),
                     tracks_key="tracks", truths_key="truths")
    t_s, values = _per_time(gen, track_rows, truth_rows, epoch, rep, min_status)
    return t_s, np.asarray(values, dtype=float)


def gospa_with_stonesoup(
    track_rows: Any, truth_rows: Any, cutoff_m: float, order: float = 1.0,
    epoch: datetime = DEFAULT_EPOCH, rep: int | None = None, min_status: int = 2,
) -> dict[str, NDArray[np.float64]]:
    """GOSPA (alpha = 2, no switching penalty) per time stamp by Stone Soup's ``GOSPAMetric``
    with the position-only Euclidean measure, arguments as ``ospa_with_stonesoup``.

    Returns ``t_s`` and Stone Soup's parts as it defines them: ``distance`` (m, the p-th root
    of the sum of the others), ``localisation`` (sum of d^p, m^p), ``missed`` and ``false``
    as costs c^p / 2 per missed or false point (m^p), not counts as in
    ``kaminari.tracking.metrics.gospa``.
    Source: stonesoup.metricgenerator.ospametric.GOSPAMetric.
    """
    gen = GOSPAMetric(c=cutoff_m, p=order, measure=position_measure(),
                      tracks_key="tracks", truths_key="truths")
    t_s, values = _per_time(gen, track_rows, truth_rows, epoch, rep, min_status)
    out = {"t_s": t_s}
    for part in ("distance", "localisation", "missed", "false"):
        out[part] = np.array([v[part] for v in values], dtype=float)
    return out
