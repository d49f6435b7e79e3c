"""Many articles → bulletins: per article, or one daily edition per date. Unattended and safe to
re-run: the folder's state records what each output was made from, so a second run on the same
inputs synthesises nothing and rewrites nothing, and a new article costs only its own clips.

The coordinator (:mod:`.coordinator`, this process) alone writes the state (:mod:`.state`,
SQLite), the feed (:mod:`.publish`) and the summary; it plans (:mod:`.plan`) and hands the
jobs (:mod:`.job`) to worker processes (:mod:`bulletin.workers`), or to a runner its caller
passes in (a Dask cluster, :mod:`bulletin.cluster`, which imports this package, never the
reverse). It hands out at most one job per idle worker, so an interrupt (Ctrl-C, SIGTERM from
cron's ``timeout``) lets no new job start: running jobs are stopped, finished ones are kept and
recorded, and the summary says exactly what was written.
"""

from __future__ import annotations

# The planning function is bulletin.batch.plan.plan: the name "plan" here is its module.
from .coordinator import RATE_NAME, Progress, Runner, Summary, fetcher_for, prepare, run_batch
from .job import JOBS_DIR, _remove_leftovers, remove_stale_locks, run_job
from .plan import DEFAULT_SHOW, SAFE_NAME, Job, file_facts, sha256_of, unchanged
from .publish import feed_items, publish_feed
from .state import LOCK_NAME, STATE_DB, STATE_NAME, StateStore, load_state, locked, record

__all__ = [
    "DEFAULT_SHOW", "JOBS_DIR", "LOCK_NAME", "RATE_NAME", "SAFE_NAME", "STATE_DB", "STATE_NAME", "Job", "Progress",
    "Runner", "StateStore", "Summary", "_remove_leftovers", "feed_items", "fetcher_for", "file_facts", "load_state",
    "locked", "prepare", "publish_feed", "record", "remove_stale_locks", "run_batch", "run_job", "sha256_of",
    "unchanged",
]  # fmt: skip
