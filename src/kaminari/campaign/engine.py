"""The campaign engine: a scenario's replications in chunks, on local worker processes or on a
Dask cluster, streamed to a Parquet store as chunks finish, and resumable after a crash.

Chunk i holds replications ``[i * chunk_size, min((i + 1) * chunk_size, reps))``. Every draw is
keyed by (seed, replication, part) (``streams.Streams``), so a replication's rows depend neither
on the backend, nor on the number of workers, nor on ``reps``, nor on the chunk size.

The store, in the folder ``out``::

    .lock                                  held while a campaign runs here (its pid)
    scenario.yaml                          the scenario as run
    manifest.json                          what the campaign is, the kaminari version that
                                           ran it; which chunks are finished
    chunks/chunk-000012.<table>.parquet    one chunk's rows (replications, shots, tracks,
                                           paths)
    replications.parquet, shots.parquet, tracks.parquet, paths.parquet, metrics.parquet
                                           every chunk, in chunk order

A chunk is finished once its four files are written (each atomically: a temporary file, then a
rename) and the manifest, rewritten atomically after them, lists it. A chunk file that the
manifest does not list is run again; nothing the manifest lists is ever computed twice.

One campaign at a time runs in a folder: it holds an exclusive ``flock`` on ``.lock`` from
before it reads the manifest until its tables are merged, and another that finds it held is
refused at once. The kernel releases the lock when the process ends, however it ends, so a
crash leaves no stale lock (at most the file, which the next campaign takes over).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import yaml

from kaminari import installed_version
from kaminari.campaign.run import CampaignInputs, prepare
from kaminari.campaign.store import merge_tables, read_json, write_json, write_table, write_text
from kaminari.engagement.chain import ChainResult, KillChain, run_chain, truth_table
from kaminari.errors import UserInputError
from kaminari.results.schema import TABLES as SCHEMAS

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no folder lock
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "Backend",
    "CampaignResult",
    "CampaignSpec",
    "available_cpus",
    "balanced_chunk_size",
    "chunk_path",
    "chunk_result",
    "chunk_size_for",
    "close_pools",
    "folder_lock",
    "run_campaign",
    "scenario_sha256",
]

TABLES = ("replications", "shots", "tracks", "paths", "metrics")
TRUTH_FILE = "truth.parquet"
"""The threats' nominal flights, written once per campaign (the report draws them)."""
MANIFEST = "manifest.json"
LOCK = ".lock"
FORMAT = "kaminari-campaign/3"
DEFAULT_CHUNK_SIZE = 1000
"""Replications per chunk where neither the command nor the scenario names a size (each chunk
costs about half a second beyond its replications, so larger is faster; the scenario's
``run.chunk_size`` has the same default)."""
START_METHOD = "spawn"
"""Local workers start fresh interpreters: safe in a parent that runs threads (rich, Dask), and
no slower than 'fork' once numba's cache is warm (the example, 2,000 replications on 2 workers:
spawn 12.2 s, forkserver 12.5 s, fork 11.7 s, within run-to-run noise)."""
CONNECT_TIMEOUT_S = 5.0
WORKERS_TIMEOUT_S = 30.0
"""How long a Dask scheduler without workers is given for one to join."""
RUN_FIELDS_OUTSIDE_HASH = ("reps", "seed", "chunk_size", "tracks_reps")
"""Scenario ``run`` fields that the manifest records by themselves rather than in the hash."""
DASK_ALLOWED = "the address of a running dask scheduler, e.g. tcp://127.0.0.1:8786, or local"
DASK_ADDRESS = re.compile(r"^((tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$")


@dataclass(frozen=True)
class Backend:
    """Where chunks run. ``local``: ``workers`` processes on this machine (default: one per
    CPU; one worker runs in this process). ``dask``: the scheduler at ``address``
    ("tcp://host:port"), or, for "local" (or None), a LocalCluster of ``workers`` one-thread
    processes (default: one per CPU). Local workers are started with 'spawn': a script that
    runs a campaign on several of them needs the ``if __name__ == "__main__":`` guard."""

    kind: Literal["local", "dask"] = "local"
    workers: int | None = None
    address: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("local", "dask"):
            raise ValueError(f"Backend.kind: {self.kind!r}; allowed: local, dask")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"Backend.workers: {self.workers}; allowed: >= 1 or None")


@dataclass(frozen=True)
class CampaignSpec:
    """One campaign: ``reps`` replications of ``chain`` from ``seed``, in chunks of
    ``chunk_size`` (None: ``run_campaign`` chooses, ``balanced_chunk_size``), with tracks
    written for the first ``track_reps`` replications.
    ``scenario_yaml`` is the scenario as run (``dump_scenario``): recorded, and hashed;
    ``attachments``: (file name, text) of the files it names (a space layer's TLE file),
    recorded beside it and hashed with it (``Scenario.as_stored``)."""

    chain: KillChain
    reps: int
    seed: int
    chunk_size: int | None
    track_reps: int
    scenario_yaml: str
    attachments: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for name, low in (("reps", 1), ("seed", 0), ("chunk_size", 1), ("track_reps", 0)):
            if getattr(self, name) is not None and getattr(self, name) < low:
                raise ValueError(f"CampaignSpec.{name}: {getattr(self, name)}; allowed: >= {low}")

    @property
    def chunk(self) -> int:
        """The chunk size, once chosen."""
        if self.chunk_size is None:
            raise ValueError("CampaignSpec.chunk_size is not chosen yet (run_campaign does)")
        return self.chunk_size

    @property
    def n_chunks(self) -> int:
        return -(-self.reps // self.chunk)

    def chunk_reps(self, chunk: int) -> range:
        """The replication numbers of ``chunk``."""
        if not 0 <= chunk < self.n_chunks:
            raise ValueError(f"chunk {chunk}; allowed: 0 to {self.n_chunks - 1}")
        start = chunk * self.chunk
        return range(start, min(start + self.chunk, self.reps))


@dataclass(frozen=True)
class CampaignResult:
    """The merged tables of a campaign, and what this call did: ``reps`` replications in the
    tables, ``reps_run`` of them computed now (the others had finished before a resume), in
    ``seconds`` of wall time."""

    replications: Path
    shots: Path
    tracks: Path
    paths: Path
    metrics: Path
    reps: int
    reps_run: int
    seconds: float
    chunk_size: int = DEFAULT_CHUNK_SIZE


def balanced_chunk_size(reps: int, workers: int) -> int:
    """The chunk size of a campaign that names none: as near ``DEFAULT_CHUNK_SIZE`` as keeps
    every one of ``workers`` busy to the end: the fewest chunks of at most the default that
    is a multiple of the workers, in equal shares (2,700 replications on 2 workers: 4 chunks
    of 675, not 1,000, 1,000 and 700; 300: 2 of 150). Every draw is keyed by replication, so
    the chunking changes no result (to rounding)."""
    workers = max(workers, 1)
    n_chunks = -(-reps // DEFAULT_CHUNK_SIZE)
    n_chunks = max(workers, -(-n_chunks // workers) * workers)
    return max(1, -(-reps // n_chunks))


def chunk_size_for(
    reps: int, out: Path, backend: Backend, resume: bool, alongside: int = 1
) -> int:
    """The chunk size of a campaign of ``reps`` that names none, into ``out``: a resumed
    campaign's own; else the balanced one for its share of the backend's workers, shared with
    ``alongside - 1`` other campaigns running at the same time (``balanced_chunk_size``; a
    remote Dask scheduler's are unknown here: the default)."""
    if resume:
        try:
            return int(read_json(out / MANIFEST)["chunk_size"])
        except (OSError, ValueError, TypeError, KeyError):
            pass  # no readable manifest: a fresh campaign (a garbled one is refused later)
    if backend.kind == "dask" and backend.address not in (None, "local"):
        return DEFAULT_CHUNK_SIZE
    return balanced_chunk_size(reps, (backend.workers or available_cpus()) // max(alongside, 1))


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def chunk_result(spec: CampaignSpec, inputs: CampaignInputs, chunk: int) -> ChainResult:
    """The rows of ``chunk``: the same wherever and whenever it runs."""
    reps = spec.chunk_reps(chunk)
    return run_chain(
        spec.chain,
        len(reps),
        spec.seed,
        rep0=reps.start,
        track_reps=int(np.clip(spec.track_reps - reps.start, 0, len(reps))),
        truth=inputs.truth,
        tables=inputs.tables,
    )


def chunk_path(out: Path, chunk: int, table: str) -> Path:
    """Where ``table`` ("replications", "shots" or "tracks") of ``chunk`` is stored."""
    return out / "chunks" / f"chunk-{chunk:06d}.{table}.parquet"


def scenario_sha256(
    scenario_yaml: str, attachments: tuple[tuple[str, str], ...] = ()
) -> str:
    """SHA-256 of the scenario, without the ``run`` fields a manifest records by themselves
    (``RUN_FIELDS_OUTSIDE_HASH``), over its canonical JSON (sorted keys), with the texts of
    the files it names where there are any."""
    data = yaml.safe_load(scenario_yaml)
    run = data.get("run") if isinstance(data, dict) else None
    if isinstance(run, dict):
        kept = {k: v for k, v in run.items() if k not in RUN_FIELDS_OUTSIDE_HASH}
        data = {**data, "run": kept}
    if attachments:
        data = {**data, "attached files": dict(attachments)}
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_campaign(
    spec: CampaignSpec,
    out: Path,
    backend: Backend = Backend(),  # noqa: B008  (frozen: one shared default is safe)
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    inputs: CampaignInputs | None = None,
    alongside: int = 1,
) -> CampaignResult:
    """Run ``spec``'s chunks on ``backend`` into the store ``out`` and merge them.

    ``resume``: continue the campaign in ``out``, skipping its finished chunks (``reps`` may
    differ from the first run's: chunks of the same size are kept). ``progress(done, total)``
    (replications) is called once the backend is up, before the first chunk, then after each.
    ``inputs``: the prepared threats and tables, when the caller has them already.
    ``alongside``: campaigns (this one included) that the caller runs at the same time, from
    threads of its own, on the same local workers (the points of a sweep): each then takes
    its share of them in chunks (``chunk_size_for``) and every chunk goes to the shared pool,
    even a campaign's only one.
    Raises UserInputError (one line) for a folder where another campaign is running, for a
    store of another campaign, or one without ``resume``, and for a Dask scheduler that cannot
    be reached or has no workers.
    """
    t0 = time.perf_counter()
    out = Path(out)
    with folder_lock(out):
        if spec.chunk_size is None:
            spec = replace(
                spec, chunk_size=chunk_size_for(spec.reps, out, backend, resume, alongside)
            )
        return _run_locked(spec, out, backend, resume, progress, inputs, t0, alongside)


def _run_locked(
    spec: CampaignSpec,
    out: Path,
    backend: Backend,
    resume: bool,
    progress: Callable[[int, int], None] | None,
    inputs: CampaignInputs | None,
    t0: float,
    alongside: int = 1,
) -> CampaignResult:
    """``run_campaign``, in a folder whose lock this process holds."""
    finished = _finished_before(spec, out, resume)
    todo = [i for i in range(spec.n_chunks) if i not in finished]
    done = spec.reps - sum(len(spec.chunk_reps(i)) for i in todo)
    reps_before = done
    shared = functools.cache(lambda: inputs or prepare(spec.chain))  # once, when first needed
    with _running(spec, backend, todo, shared, alongside) as results:
        # nothing is written before the store and the backend are known to be good
        _clean_folder(out)
        write_text(spec.scenario_yaml, out / "scenario.yaml")
        for name, text in spec.attachments:
            write_text(text, out / name)
        write_table(truth_table(spec.chain, shared().truth), out / TRUTH_FILE, SCHEMAS["truth"])
        _write_manifest(spec, out, finished)
        merged = {t: out / f"{t}.parquet" for t in TABLES}
        if todo:  # merged tables of an earlier run would not match the manifest any more
            for path in merged.values():
                path.unlink(missing_ok=True)
        if progress is not None:
            progress(done, spec.reps)
        for chunk, rows in results:
            for table in TABLES:
                columns = getattr(rows, table) or {n: np.empty(0) for n in SCHEMAS[table].names}
                write_table(columns, chunk_path(out, chunk, table), SCHEMAS[table])
            finished.add(chunk)
            _write_manifest(spec, out, finished)
            done += len(spec.chunk_reps(chunk))
            if progress is not None:
                progress(done, spec.reps)
    for table, path in merged.items():
        merge_tables((chunk_path(out, i, table) for i in range(spec.n_chunks)), path)
    return CampaignResult(
        **merged, reps=spec.reps, reps_run=spec.reps - reps_before,
        seconds=time.perf_counter() - t0, chunk_size=spec.chunk,
    )  # fmt: skip


# --- the folder lock -----------------------------------------------------------------------

_LOCK_ALLOWED = "a new --out folder, or wait for it to finish"


@contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold the campaign folder ``out`` (made if need be) for this process: an exclusive,
    non-blocking ``flock`` on ``out/.lock``, which records this process's id. Where another
    process holds it, a one-line ``UserInputError`` naming that process. On leaving, the file
    is removed while still locked, then the lock released."""
    out.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    path = out / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            message = f"a running campaign holds this folder (pid {holder})"
            raise UserInputError(str(out), None, None, message, _LOCK_ALLOWED) from None
        try:  # the file locked must still be the one at the path: its last holder removes it
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


# --- the store -----------------------------------------------------------------------------


def _identity(spec: CampaignSpec) -> dict[str, Any]:
    """What a resumed campaign must share with the first run."""
    return {
        "format": FORMAT,
        "scenario_sha256": scenario_sha256(spec.scenario_yaml, spec.attachments),
        "predictor": spec.chain.predictor,
        "seed": spec.seed,
        "chunk_size": spec.chunk_size,
        "track_reps": spec.track_reps,
    }


def _write_manifest(spec: CampaignSpec, out: Path, finished: set[int]) -> None:
    manifest = {
        **_identity(spec),
        "kaminari_version": installed_version(),
        "reps": spec.reps,
        "n_chunks": spec.n_chunks,
        "finished": sorted(finished),
    }
    write_json(manifest, out / MANIFEST)


def _clean_folder(out: Path) -> None:
    """Make the chunk folder; remove temporary files that a crash left behind."""
    (out / "chunks").mkdir(parents=True, exist_ok=True)
    for folder in (out, out / "chunks"):
        for tmp in folder.glob(".*.tmp-*"):
            tmp.unlink(missing_ok=True)


def _finished_before(spec: CampaignSpec, out: Path, resume: bool) -> set[int]:
    """The chunks already finished in ``out`` that this campaign can keep (none for a new
    one). Reads only: a campaign that is refused leaves the folder as it was."""
    path = out / MANIFEST
    if not path.exists():
        return set()
    if not resume:
        raise UserInputError(
            str(path),
            None,
            None,
            "holds a campaign already",
            "--resume to continue it, or a new --out folder",
        )
    try:
        old = read_json(path)
        old_reps = int(old["reps"])
        old_finished = {int(i) for i in old["finished"]}
    except (OSError, ValueError, TypeError, KeyError):
        raise UserInputError(
            str(path), None, None, "is not a readable campaign manifest", "a new --out folder"
        ) from None
    differences = [
        "the scenario differs"
        if key == "scenario_sha256"
        else f"{key.replace('_', ' ')} {old.get(key)} there, {value} here"
        for key, value in _identity(spec).items()
        if old.get(key) != value
    ]
    if differences:
        raise UserInputError(
            str(path),
            None,
            None,
            f"was written for another scenario or seed ({'; '.join(differences)})",
            "the same scenario and seed, or a new --out folder",
        )
    # a chunk is kept where it holds the same replications as before (reps may have changed)
    return {
        i
        for i in old_finished
        if 0 <= i < spec.n_chunks
        and len(spec.chunk_reps(i)) == min(spec.chunk, old_reps - i * spec.chunk)
        and all(chunk_path(out, i, t).is_file() for t in TABLES)
    }


# --- the backends --------------------------------------------------------------------------


@contextmanager
def _running(
    spec: CampaignSpec,
    backend: Backend,
    todo: list[int],
    shared: Callable[[], CampaignInputs],
    alongside: int = 1,
) -> Iterator[Iterable[tuple[int, ChainResult]]]:
    """Start ``backend``; give (chunk, rows) for each chunk of ``todo`` as it finishes.
    ``shared()`` gives the inputs every chunk shares (flown threats, tables), made once.
    With other campaigns ``alongside``, the pool takes every chunk, even a lone one."""
    if not todo:
        yield ()
    elif backend.kind == "dask":
        with _dask_client(backend) as client:  # first: a bad address fails before any work
            yield _on_dask(client, spec, shared(), todo)
    else:
        inputs = shared()
        workers = backend.workers or available_cpus()
        if alongside <= 1:
            workers = min(workers, len(todo))
        if workers == 1:
            yield ((i, chunk_result(spec, inputs, i)) for i in todo)
            return
        # Each worker loads the spec and the inputs once per campaign, from a file: handed
        # through the spawn pipe instead (2 MB for the example), they would hang the parent for
        # good if a worker died at start-up (a script without the __main__ guard), since Python
        # (3.11) holds the pipe's read end open while it writes; a small payload lets the pool
        # report the worker's death instead. The pool outlives the campaign (``_pool``): the
        # points of a sweep, the two sides of a comparison, reuse its started workers.
        with tempfile.TemporaryDirectory(prefix="kaminari-") as folder:
            shipped = Path(folder) / "campaign.pickle"
            shipped.write_bytes(pickle.dumps((spec, inputs), protocol=pickle.HIGHEST_PROTOCOL))
            pool = _pool(workers)
            finished = False
            try:
                yield _on_pool(pool, todo, str(shipped))
                finished = True
            finally:
                if not finished:  # an error or Ctrl-C: no chunk of it runs on
                    _close_pool(workers)


_POOLS: dict[int, ProcessPoolExecutor] = {}
"""Started worker pools of this process, by size, kept for the next campaign (a worker's
start-up, importing the numerics and loading numba's caches, costs seconds)."""


_POOLS_LOCK = threading.Lock()
"""Campaigns that run alongside one another, from threads, find or start a pool under it."""


def _pool(workers: int) -> ProcessPoolExecutor:
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context(START_METHOD),
                initializer=_start_worker,
            )
            if not _POOLS:
                atexit.register(close_pools)
            _POOLS[workers] = pool
        return pool


def _close_pool(workers: int) -> None:
    with _POOLS_LOCK:
        pool = _POOLS.pop(workers, None)
    if pool is not None:
        pool.shutdown(cancel_futures=True)


def close_pools() -> None:
    """Stop every started worker pool of this process (their queued chunks are cancelled)."""
    for workers in list(_POOLS):
        _close_pool(workers)


_WORKER: tuple[str, CampaignSpec, CampaignInputs] | None = None


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _chunk_in_worker(shipped: str, chunk: int) -> ChainResult:
    """Chunk ``chunk`` of the campaign shipped in the file ``shipped`` (loaded once a
    campaign, in each worker)."""
    global _WORKER
    if _WORKER is None or _WORKER[0] != shipped:
        with open(shipped, "rb") as f:
            _WORKER = (shipped, *pickle.load(f))
    return chunk_result(_WORKER[1], _WORKER[2], chunk)


def _on_pool(
    pool: ProcessPoolExecutor, todo: list[int], shipped: str
) -> Iterator[tuple[int, ChainResult]]:
    futures = {pool.submit(_chunk_in_worker, shipped, i): i for i in todo}
    for future in as_completed(futures):
        yield futures.pop(future), future.result()


def _on_dask(
    client: Client, spec: CampaignSpec, inputs: CampaignInputs, todo: list[int]
) -> Iterator[tuple[int, ChainResult]]:
    from distributed import as_completed as as_completed_dask

    spec_f, inputs_f = client.scatter([spec, inputs], broadcast=True)
    futures = [client.submit(chunk_result, spec_f, inputs_f, i) for i in todo]
    chunk_of = {f.key: i for f, i in zip(futures, todo, strict=True)}
    done = as_completed_dask(futures, loop=client.loop)
    del futures  # as_completed holds each future until it is given out
    for future in done:
        yield chunk_of.pop(future.key), future.result()
        future.release()


@contextmanager
def _dask_client(backend: Backend) -> Iterator[Client]:
    import dask
    from distributed import Client, LocalCluster

    address = backend.address or "local"
    if address == "local":
        # distributed's nannies give their workers MALLOC_TRIM_THRESHOLD_=65536, which makes
        # glibc hand every large temporary array back to the system: the kill chain, made of
        # numpy temporaries, ran at half speed (7.3 s a chunk against 3.5 s). Leave it out.
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        with (
            dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
            LocalCluster(
                n_workers=backend.workers or available_cpus(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client
        return
    if not DASK_ADDRESS.match(address):
        raise UserInputError(None, None, "--dask", f"{address!r} is not an address", DASK_ALLOWED)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception:  # noqa: BLE001  (whatever answers there, it is no scheduler to use)
        message = f"no Dask scheduler answers at {address} within {CONNECT_TIMEOUT_S:g} s"
        raise UserInputError(None, None, "--dask", message, DASK_ALLOWED) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            message = f"the scheduler at {address} has no workers (waited {WORKERS_TIMEOUT_S:g} s)"
            allowed = f"a scheduler with workers: start them with dask worker {address}"
            raise UserInputError(None, None, "--dask", message, allowed) from None
        yield client
