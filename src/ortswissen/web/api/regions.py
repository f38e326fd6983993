"""Delineation as a job: start it, follow its progress, read its result (``/regions/delineations``).

A delineation of ten thousand blocks takes seconds to a minute, too long for one request: the
POST answers ``202`` with the job's URL at once, the job runs in a worker thread (one at a time,
others queue), and GET reports its stage and progress, then the quality measures and the unit →
quarter assignment. The server's store is opened read-only, so jobs only preview; saving
quarters as a level is done with the CLI (``ortswissen regions delineate --save-as …``).
Public mode hides these endpoints like every analysis tool.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ortswissen.config import Settings
from ortswissen.errors import Conflict, NotFound, OrtswissenError
from ortswissen.ports import Store
from ortswissen.services.regions import DelineationOutcome, DelineationSpec, delineate_level
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import get_settings, get_store

__all__ = ["router"]

router = APIRouter(tags=["regions"])
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
_KEEP = 20  # finished jobs kept for reading


class UnknownJob(NotFound):
    """No delineation job with this id (or it was dropped after newer jobs finished)."""

    kind = "delineation job"


@dataclass
class _Job:
    id: str
    spec: DelineationSpec
    status: str = "queued"
    stage: str = ""
    done: float = 0.0
    total: float = 1.0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    outcome: DelineationOutcome | None = None
    error: dict[str, Any] | None = None

    def view(self, base: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "stage": self.stage,
            "progress": round(min(self.done / self.total, 1.0), 3) if self.total else 0.0,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "links": {"self": f"{base}/{self.id}", "units": f"{base}/{self.id}/units"},
        }
        if self.outcome is not None:
            out["result"] = self.outcome.summary()
        if self.error is not None:
            out["error"] = self.error
        return out


class _JobProgress:
    """The service's progress, recorded on the job."""

    def __init__(self, job: _Job) -> None:
        self.job = job

    def start(self, task: str, total: float | None = None) -> None:
        self.job.stage, self.job.done, self.job.total = task, 0.0, total or 1.0

    def advance(self, amount: float = 1) -> None:
        self.job.done += amount

    def finish(self) -> None:
        self.job.done = self.job.total


class _Jobs:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: OrderedDict[str, _Job] = OrderedDict()
        self.pool: ThreadPoolExecutor | None = None

    def shutdown(self) -> None:
        """Wait for the running job, drop the queued ones (they end as failed: the server stopped)."""
        with self.lock:
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        for job in self.jobs.values():
            if job.finished is None:
                job.status, job.finished = "failed", time.time()
                job.error = {"title": "cancelled", "status": 503, "detail": "the server stopped before the job ran"}

    def submit(self, store: Store, spec: DelineationSpec) -> _Job:
        job = _Job(uuid.uuid4().hex[:12], spec)
        with self.lock:
            self.jobs[job.id] = job
            finished = [j for j in self.jobs.values() if j.finished is not None]
            for old in finished[: max(len(finished) - _KEEP, 0)]:
                del self.jobs[old.id]
            if self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delineation")
            self.pool.submit(self._run, store, job)
        return job

    def get(self, job_id: str) -> _Job:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise UnknownJob(job_id, available=list(self.jobs))
            return job

    @staticmethod
    def _run(store: Store, job: _Job) -> None:
        job.status, job.started = "running", time.time()
        try:
            job.outcome = delineate_level(store, job.spec, progress=_JobProgress(job))
            job.status = "done"
        except OrtswissenError as exc:
            job.status = "failed"
            job.error = {"title": exc.code, "status": exc.http_status, "detail": exc.message, **exc.details}
        except Exception as exc:
            job.status = "failed"
            job.error = {"title": "error", "status": 500, "detail": f"{type(exc).__name__}: {exc}"}
        finally:
            job.finished = time.time()


def _jobs(request: Request, settings: Settings) -> _Jobs:
    if settings.public_mode:
        raise NotFound("regions", "delineation is not available in public mode")
    state = request.app.state
    if not hasattr(state, "delineation_jobs"):
        state.delineation_jobs = _Jobs()
    return state.delineation_jobs


@router.post(
    "/regions/delineations",
    status_code=202,
    summary="Start a delineation of quarters",
    responses=problems(400, 404, 409, 422),
)
def start_delineation(spec: DelineationSpec, request: Request, store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """Queue a delineation (the body is a delineation spec); answers the job with its URL to poll."""
    jobs = _jobs(request, settings)
    if spec.save_as or spec.reexpress:
        raise Conflict(
            "the server's store is read-only: jobs preview quarters; save them with "
            "`ortswissen regions delineate --save-as …`"
        )
    store.get_level(spec.level)  # fail fast on an unknown level: 404 listing the levels
    job = jobs.submit(store, spec)
    base = str(request.url_for("start_delineation"))
    return JSONResponse(job.view(base), status_code=202, headers={"Location": f"{base}/{job.id}"})


@router.get("/regions/delineations/{job_id}", summary="A delineation job", responses=problems(400, 404))
def delineation(job_id: str, request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Status, stage and progress (0–1) of a job; when done its parameters, quality measures and problems."""
    job = _jobs(request, settings).get(job_id)
    return job.view(str(request.url_for("start_delineation")))


@router.get("/regions/delineations/{job_id}/units", summary="Unit → quarter", responses=problems(400, 404, 409))
def delineation_units(job_id: str, request: Request, settings: SettingsDep) -> dict[str, Any]:
    """The quarter of every unit once the job is done (409 while it runs or if it failed)."""
    job = _jobs(request, settings).get(job_id)
    if job.outcome is None:
        raise Conflict(f"job {job_id} is {job.status}; its units are there once it is done")
    return {
        "level": job.spec.level,
        "date": job.spec.date.isoformat(),
        "units": dict(zip(job.outcome.unit_ids, job.outcome.region_ids, strict=True)),
    }
