"""``bulletin batch --cluster`` (issue 15) on real Dask processes on 127.0.0.1: a scheduler and
workers started here (``python -m dask scheduler`` / ``dask worker``), or ``local:N``.

Each Dask process runs in its own process group, so a test can kill a whole worker (its nanny,
its worker process and any ffmpeg it started) with one ``kill -9``, and the fixtures can prove
that nothing they started is left running.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from dask.distributed import Client

from bulletin import stopping
from bulletin.batch import _remove_leftovers
from bulletin.cluster import ClusterRateLimiter, parse_address, worker_label
from bulletin.errors import ConfigError, Interrupted
from bulletin.ffmpeg import probe

from .conftest import ROOT
from .gtts_server import GttsServer
from .procs import alive, descendants
from .test_faults import SEED, sha

BASE_URL = "https://exemple.be/podcast/"
TOWNS = ["Namur", "Liège", "Mons", "Arlon", "Wavre", "Dinant", "Tournai", "Bastogne", "Huy", "Ciney",
         "Spa", "Durbuy", "Gembloux", "Nivelles"]  # fmt: skip
TOPICS = [
    ("Le marché couvert rouvre ses portes", "Les commerçants reviennent après huit mois de travaux."),
    ("Une nouvelle ligne de bus", "Elle reliera la gare au campus dès le mois prochain."),
    ("La piscine communale fermée", "Une fuite dans le bassin oblige la commune à vider l'eau."),
    ("Le festival de jazz affiche complet", "Plus de trois mille billets ont été vendus en deux jours."),
]


def write_articles(folder: Path, n: int, sentences: int = 2) -> Path:
    """``n`` short French articles of our own, all different, dated 1 to n November 2026."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        title, lead = TOPICS[i % len(TOPICS)]
        extra = [f"Le conseil de {town} en parlera le {i + k + 2} décembre, à {18 + k % 4} heures."
                 for k in range(sentences - 1)]  # fmt: skip
        body = " ".join([f"À {town}, {lead[0].lower()}{lead[1:]}", *extra])
        (folder / f"a{i:02d}.txt").write_text(
            f"title: {title} à {town}\ndate: 2026-11-{i + 1:02d}\n\n{body}\n", encoding="utf-8"
        )
    return folder


def bulletin(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bulletin", *args], cwd=cwd, text=True, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 240) -> tuple[int, str, str]:
    proc = bulletin(*args, cwd=cwd, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


def temporaries(folder: Path) -> list[str]:
    """What a job writes while it runs and removes when it ends (or is stopped)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".part", ".pcm")) or ".daisy." in p.name)


def state_of(folder: Path) -> dict[str, Any]:
    from bulletin.batch import load_state

    return load_state(folder)


def check_folder(out: Path, names: set[str], unrecorded: frozenset[str] = frozenset()) -> None:
    """Exactly ``names`` recorded (and ``unrecorded`` on disk too, if any), each on disk as
    recorded, whole, and decodable; no temporary left."""
    outputs = state_of(out)["outputs"]
    assert set(outputs) == names
    assert {p.name for p in out.glob("*.mp3") if p.is_file()} == names | unrecorded
    for name, entry in outputs.items():
        assert sha(out / name) == entry["files"][name]["sha256"], name
        assert (probe(out / name).duration_ms or 0) > 2_000, name
    assert temporaries(out) == []


def group_members(pgids: set[int]) -> set[int]:
    """Live processes in these process groups (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) in pgids:
            found.add(int(stat.parent.name))
    return found


class DaskProcesses:
    """A ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, each in its own session
    (so its own process group). ``stop`` kills every group and checks nothing is left."""

    def __init__(self, folder: Path, worker_cwd: Path | None = None) -> None:
        self.folder = folder
        self.worker_cwd = worker_cwd or folder
        self.scheduler_file = folder / "scheduler.json"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.pgids: set[int] = set()

    def _start(self, name: str, *args: str) -> None:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - the process writes it
        # Dask's scratch folders in the test's own folder, not /tmp (a killed worker leaves its own).
        env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(self.folder)}
        with log:
            proc = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=subprocess.STDOUT,
                                    cwd=self.worker_cwd, env=env, start_new_session=True)  # fmt: skip
        self.procs[name] = proc
        self.pgids.add(proc.pid)

    def start(self, workers: int) -> DaskProcesses:
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(self.scheduler_file))  # fmt: skip
        deadline = time.monotonic() + 60
        while not self.scheduler_file.exists():
            assert time.monotonic() < deadline, (self.folder / "scheduler.log").read_text()
            time.sleep(0.1)
        for i in range(workers):
            self._start(f"w{i}", "worker", "--scheduler-file", str(self.scheduler_file), "--host", "127.0.0.1",
                        "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--name", f"w{i}")  # fmt: skip
        with self.client() as client:
            client.wait_for_workers(workers, timeout=90)
        return self

    @property
    def address(self) -> str:
        return str(json.loads(self.scheduler_file.read_text())["address"])

    @contextlib.contextmanager
    def client(self) -> Iterator[Client]:
        client = Client(self.address, timeout=30, set_as_default=False)
        try:
            yield client
        finally:
            client.close()

    def kill(self, name: str) -> None:
        """kill -9 a whole worker: its nanny, its worker process and their children."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while group_members(self.pgids) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pgid in self.pgids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        for proc in self.procs.values():
            proc.wait()
        time.sleep(0.2)
        assert group_members(self.pgids) == set(), "a Dask process outlived the test"


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskProcesses]:
    """A scheduler and two workers for the module. The workers run in a folder where ``out`` is
    a file: ``/proc/self/cwd/out`` is then a folder for a coordinator and not for the workers."""
    folder = tmp_path_factory.mktemp("dask")
    worker_side = folder / "worker-side"
    worker_side.mkdir()
    (worker_side / "out").write_text("not a folder", encoding="utf-8")
    cluster = DaskProcesses(folder, worker_side)
    try:
        yield cluster.start(2)
    finally:
        cluster.stop()


# --- without Dask processes ---------------------------------------------------------------


def test_cluster_addresses() -> None:
    assert parse_address("local:3") == ("local", 3)
    assert parse_address("tcp://10.0.0.5:8786") == ("remote", "tcp://10.0.0.5:8786")
    assert parse_address("scheduler.lan:8786") == ("remote", "tcp://scheduler.lan:8786")
    for bad in ("local:0", "local:x", "8786", "tcp://", "somewhere"):
        with pytest.raises(ConfigError):
            parse_address(bad)
    assert worker_label(0, "tcp://127.0.0.1:4000") == "local-0"
    assert worker_label("paris-1", "tcp://10.0.0.5:4000") == "paris-1"
    assert worker_label(None, "tcp://10.0.0.5:4000") == "10.0.0.5:4000"


def test_leftovers_of_a_killed_attempt_are_its_own_temporaries_only(tmp_path: Path) -> None:
    stem = "2026-11-01-marche"
    gone = [f".{stem}.mp3.k2j3.part", f".{stem}.mp3.a1b2.pcm", f".{stem}.mp3.a1b2.bed.pcm",
            f".{stem}.vtt.x9y8.part", f".{stem}.chapters.json.q1.part"]  # fmt: skip
    kept = [f"{stem}.mp3", f"{stem}.vtt", f".{stem}-2.mp3.k2j3.part", f".{stem}2.mp3.x.part",
            ".bulletin-state.json", f".{stem}.notes"]  # fmt: skip
    for name in gone + kept:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / f".{stem}.daisy.abcd").mkdir()
    (tmp_path / f".{stem}.daisy.abcd" / "ncc.html").write_text("x")
    removed = _remove_leftovers(tmp_path, f"{stem}.mp3")
    assert sorted(removed) == sorted([*gone, f".{stem}.daisy.abcd"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


def test_a_stop_flag_stops_only_the_jobs_of_the_thread_it_is_bound_to() -> None:
    stopping.check()  # no flag bound (make, the studio): never stops
    flag, other = stopping.StopFlag(), stopping.StopFlag()
    seen: list[str] = []

    def job_of_another_batch() -> None:
        with stopping.bound(other):
            stopping.check()  # its own flag is not set: it runs on
            seen.append("ran")

    with stopping.bound(flag):
        stopping.check()
        flag.set()
        thread = threading.Thread(target=job_of_another_batch)
        thread.start()
        thread.join()
        with pytest.raises(Interrupted):
            stopping.check()
    assert seen == ["ran"]
    stopping.check()  # unbound again: the flag no longer applies here
    assert stopping.current() is None


def _espeak_job(tmp_path: Path) -> tuple[Any, Any]:
    from bulletin.batch.plan import plan
    from bulletin.settings import Settings
    from bulletin.sources import collect

    src = write_articles(tmp_path / "in", 1, sentences=6)
    stories, failures = collect([str(src)])
    assert not failures
    settings = Settings(engine="espeak", use_cache=False)
    [job] = plan(stories, settings, {"version": 1, "outputs": {}}, "2026-11-01")
    return job, settings


def test_a_job_asked_to_stop_stops_between_clips_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cluster job is stopped by its flag, not by an exception raised into its thread: it
    stops at the next clip and unwinds, with nothing left in the folder or the temp folder."""
    import tempfile

    from bulletin.batch import run_job
    from bulletin.engines.espeak import EspeakEngine

    job, settings = _espeak_job(tmp_path)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    out.mkdir()
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    flag = stopping.StopFlag()
    spoken: list[str] = []
    synthesize = EspeakEngine.synthesize

    def speak_then_ask_to_stop(self: EspeakEngine, text: str, *args: Any, **kwargs: Any) -> Any:
        spoken.append(text)
        flag.set()  # asked to stop while the first clip is being made
        return synthesize(self, text, *args, **kwargs)

    monkeypatch.setattr(EspeakEngine, "synthesize", speak_then_ask_to_stop)
    with stopping.bound(flag), pytest.raises(Interrupted):
        run_job(job, str(out), settings, "espeak")
    assert len(spoken) == 1, spoken  # it stopped after the clip it was making, not at the end
    assert [p.name for p in out.iterdir() if p.name != ".bulletin-jobs"] == []
    assert list(scratch.iterdir()) == []


def test_rate_limiter_travels_by_name() -> None:
    limiter = ClusterRateLimiter("bulletin-rate-x", 0.25, owner=threading.Lock())  # owner: not picklable
    copy = pickle.loads(pickle.dumps(limiter))
    assert (copy.name, copy.interval) == ("bulletin-rate-x", 0.25)
    with pytest.raises(RuntimeError, match="bind"):
        copy.wait()


# --- the command line without a cluster -----------------------------------------------------


def test_scheduler_unreachable_one_line_nothing_written(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = write_articles(tmp_path / "in", 1)
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    started = time.monotonic()
    code, _, err = run("batch", str(src), "-o", str(tmp_path / "out"), "--engine", "espeak", "--cache-dir",
                       str(tmp_path / "cache"), "--cluster", f"tcp://127.0.0.1:{port}", env=env)  # fmt: skip
    assert code == 1, err
    assert err.strip().splitlines() == [err.strip()] and "Traceback" not in err, err
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no output folder, no cache


BLOCK_DASK = "import sys; sys.modules['dask'] = sys.modules['distributed'] = None; from bulletin.cli import main; "


def test_without_the_extra_one_line_names_it_and_the_core_never_imports_dask(tmp_path: Path) -> None:
    src = write_articles(tmp_path / "in", 1)

    def batch(*extra: str) -> subprocess.CompletedProcess[str]:
        argv = ["bulletin", "batch", str(src), "-o", str(tmp_path / "out"), "--engine", "espeak",
                "--cache-dir", str(tmp_path / "cache"), "-q", *extra]  # fmt: skip
        code = BLOCK_DASK + f"sys.argv = {argv!r}; main()"
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)

    r = batch("--cluster", "local:2")
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip() == 'bulletin: error: --cluster needs Dask distributed, which is not installed: ' \
                               'pip install "bulletin[cluster]"'  # fmt: skip
    assert not (tmp_path / "out").exists()
    r = batch()  # the process pool: nothing on this path imports Dask
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "out").glob("*.mp3"))) == 1


# --- on a running scheduler -----------------------------------------------------------------


def test_a_worker_that_cannot_reach_the_folder_stops_the_batch_before_any_work(
    dask_cluster: DaskProcesses, tmp_path: Path
) -> None:
    """The same path is a folder for the coordinator and a file for the workers (/proc/self/cwd
    is each process's own working folder): as when a worker does not mount the shared disk.
    Tests run as root, where a read-only permission would not stop a write."""
    coordinator = tmp_path / "coordinator"
    coordinator.mkdir()
    src = write_articles(tmp_path / "in", 2)
    code, _, err = run("batch", str(src), "-o", "/proc/self/cwd/out", "--engine", "espeak",
                       "--cache-dir", str(tmp_path / "cache"), "--cluster", dask_cluster.address,
                       cwd=coordinator)  # fmt: skip
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert re.search(r"worker w[01]: cannot read /proc/self/cwd/out \(Not a directory\): the output folder and "
                     r"the clip cache must be on a filesystem every worker shares", err), err  # fmt: skip
    out = coordinator / "out"
    assert list(out.glob("*.mp3")) == [] and not (out / ".bulletin-state.db").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".bulletin-probe")] == []


def test_a_worker_that_cannot_read_an_input_file_stops_the_batch_before_any_work(
    dask_cluster: DaskProcesses, tmp_path: Path
) -> None:
    """The cover exists beside the coordinator and not beside the workers (same trick)."""
    coordinator = tmp_path / "coordinator"
    coordinator.mkdir()
    (coordinator / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    src = write_articles(tmp_path / "in", 1)
    code, _, err = run("batch", str(src), "-o", str(tmp_path / "out"), "--engine", "espeak", "--cache-dir",
                       str(tmp_path / "cache"), "--cover", "/proc/self/cwd/cover.png", "--cluster",
                       dask_cluster.address, cwd=coordinator)  # fmt: skip
    assert code == 1, err
    assert re.fullmatch(r"bulletin: error: worker w[01]: cannot read /proc/self/cwd/cover.png \(No such file or "
                        r"directory\): input files must be on a shared filesystem too\n", err), err  # fmt: skip
    assert list((tmp_path / "out").glob("*.mp3")) == []


def test_workers_get_absolute_paths_and_one_named_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bulletin.cluster import _for_workers
    from bulletin.settings import Settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    s = _for_workers(Settings(cover=Path("art/cover.png"), lexicon=Path("lex.toml"), cluster="local:2"))
    assert (s.cover, s.lexicon) == (tmp_path / "art" / "cover.png", tmp_path / "lex.toml")
    assert s.cache_dir == tmp_path / "xdg" / "bulletin" / "clips"
    assert _for_workers(Settings(use_cache=False)).cache_dir is None


def test_coordinator_killed_next_run_finishes_without_redoing(dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    src, out = write_articles(tmp_path / "in", 8, sentences=3), tmp_path / "out"
    args = ("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(tmp_path / "cache"),
            "--cluster", dask_cluster.address, "-q")  # fmt: skip
    proc = bulletin(*args)
    try:
        deadline = time.monotonic() + 120
        while not ((out / ".bulletin-state.db").exists() and len(state_of(out)["outputs"]) >= 2):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate()
    done = set(state_of(out)["outputs"])
    assert 2 <= len(done) < 8, "the batch ended before the coordinator was killed"
    code, stdout, err = run(*args)
    assert code == 0, err
    made = {Path(line.split()[1]).name for line in stdout.splitlines() if line.startswith("made")}
    assert made.isdisjoint(done), "what was recorded was made again"
    assert f"{len(made)} made, {len(done)} unchanged, 0 failed" in stdout
    check_folder(out, made | done)
    assert len(made | done) == 8


def test_killed_worker_its_articles_rerun_elsewhere(tmp_path: Path) -> None:
    """Issue 15's fault test: kill -9 one of two workers mid-batch (through the CLI). Every
    bulletin exists and decodes, the state file matches the files, the feed lists every item,
    no temporary is left, one job's own failure is reported once, and no process is left."""
    cluster = DaskProcesses(tmp_path / "dask")
    (tmp_path / "dask").mkdir()
    try:
        cluster.start(2)
        src, out = write_articles(tmp_path / "in", 12, sentences=3), tmp_path / "out"
        (src / "trap.txt").write_text("title: Piège\ndate: 2026-11-30\n\nCet article ne peut pas être écrit.\n")
        out.mkdir()
        (out / "2026-11-30-piege.mp3").mkdir()  # a folder where the MP3 goes: this job fails on its own
        proc = bulletin("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(tmp_path / "c"),
                        "--cluster", cluster.address, "--feed", str(out / "feed.xml"),
                        "--base-url", BASE_URL)  # fmt: skip
        killed_job = None
        with cluster.client() as client:
            # A lambda travels by value: the workers cannot import this test module.
            names = client.run(lambda dask_worker: str(dask_worker.name))
            w0 = next(address for address, name in names.items() if name == "w0")
            deadline = time.monotonic() + 120
            while killed_job is None:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                busy = client.processing().get(w0)
                if len([p for p in out.glob("*.mp3") if p.is_file()]) >= 2 and busy:
                    cluster.kill("w0")  # mid-job: w0 has a task running
                    killed_job = str(busy[0])
                time.sleep(0.02)
        stdout, err = proc.communicate(timeout=240)
        assert proc.returncode == 1, err  # the trap failed; everything else was made
        failed = [line for line in err.splitlines() if line.startswith("failed")]
        assert len(failed) == 1 and "2026-11-30-piege.mp3" in failed[0] and "is a folder" in failed[0], err
        names = {Path(line.split()[1]).name for line in stdout.splitlines() if line.startswith("made")}
        assert len(names) == 12 and "12 made, 0 unchanged, 1 failed" in stdout, stdout
        assert any(name in killed_job for name in names), killed_job  # its job was made again elsewhere
        check_folder(out, names)
        workers = next(line for line in stdout.splitlines() if line.startswith("workers"))
        counts = dict(part.split(": ") for part in workers.split(None, 1)[1].split(", "))
        assert set(counts) <= {"w0", "w1"} and sum(map(int, counts.values())) == 12, workers
        feed = feedparser.parse(str(out / "feed.xml"))
        assert sorted(Path(e.enclosures[0].href).name for e in feed.entries) == sorted(names)
        assert all(e.enclosures[0].href.startswith(BASE_URL) for e in feed.entries)
    finally:
        cluster.stop()


# --- local:N ----------------------------------------------------------------------------------


class TimedRequests(list):  # type: ignore[type-arg]
    """The server's request list, with the moment each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: object) -> None:
        self.times.append(time.monotonic())
        super().append(item)


def test_rate_limit_is_shared_by_the_workers_of_a_local_cluster_set_in_bulletin_toml(tmp_path: Path) -> None:
    """Two worker processes, each running the gTTS engine with 6 requests in flight, together
    stay under --requests-per-second 4 (counted at the server); two unshared limiters would
    allow 8. The cluster comes from bulletin.toml."""
    src, out = write_articles(tmp_path / "in", 6, sentences=5), tmp_path / "out"
    (tmp_path / "bulletin.toml").write_text('cluster = "local:2"\n', encoding="utf-8")
    with GttsServer() as srv:
        srv.requests = TimedRequests()
        env = {**os.environ, "BULLETIN_GTTS_ENDPOINT": srv.url}
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(proxy, None)
        code, stdout, err = run("batch", str(src), "-o", str(out), "--engine", "gtts", "--requests-per-second", "4",
                                "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path, env=env)  # fmt: skip
        times = list(srv.requests.times)
    assert code == 0, err
    assert err == "engine: gtts (as asked)\n"  # the workers' semaphores close quietly too
    assert "6 made" in stdout and re.search(r"workers\s+local-0: \d, local-1: \d", stdout), stdout
    assert len(times) >= 30, len(times)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 4 + 1, f"{busiest} requests within one second"
    overall = (len(times) - 1) / (times[-1] - times[0])
    assert overall <= 4.5, f"{overall:.1f} requests per second on average (two unshared limiters: 8)"
    check_folder(out, {p.name for p in out.glob("*.mp3")})


def test_interrupt_on_a_local_cluster_stops_cleanly_and_the_next_run_finishes(tmp_path: Path) -> None:
    src, out = write_articles(tmp_path / "in", 10, sentences=4), tmp_path / "out"
    args = ("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(tmp_path / "cache"),
            "--cluster", "local:2", "-q")  # fmt: skip
    proc = bulletin(*args)
    below: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while not ((out / ".bulletin-state.db").exists() and state_of(out)["outputs"]):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            below |= descendants(proc.pid)
            time.sleep(0.05)
        below |= descendants(proc.pid)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    deadline = time.monotonic() + 5
    while alive(below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(below), "a worker process outlived the coordinator"
    done = set(state_of(out)["outputs"])
    assert 1 <= len(done) < 10
    # A job stopped after its MP3 was in place is said so (the next run makes it again).
    unrecorded = frozenset(Path(line.split()[1].rstrip(":")).name for line in err.splitlines()
                           if line.startswith("interrupted ") and "written but not recorded" in line)  # fmt: skip
    check_folder(out, done, unrecorded)  # what is recorded is whole; nothing half-made is left
    code, _, err = run(*args)
    assert code == 0, err
    check_folder(out, {p.name for p in out.glob("*.mp3")})
    assert len(state_of(out)["outputs"]) == 10


# --- quiet on success, clean after SIGTERM (issue 23, defect 6) -----------------------------

ENGINE_LINE = "engine: espeak (as asked)"
# What an interrupted batch may say on stderr: the engine, the summary's interrupted lines, the
# CLI's last word. Nothing else: no Dask log, no traceback.
INTERRUPTED_LINES = re.compile(
    r"engine: espeak \(as asked\)|interrupted: .*|interrupted \S+: written but not recorded.*"
    r"|bulletin: interrupted; nothing more was written"
)
# The hidden files a batch keeps in its output folder: the state (a backup of it too) and locks.
STATE_FILES = re.compile(r"\.bulletin-state\.(json|db)(\.(bak|backup|prev|old|migrated)|-wal|-shm|~)?|\.bulletin\.lock|"
                         r"\.bulletin-jobs")


def debris(out: Path) -> list[str]:
    """Hidden files of the output folder that are not the state or its locks."""
    found = [p.name for p in out.iterdir() if p.name.startswith(".") and not STATE_FILES.fullmatch(p.name)]
    jobs = out / ".bulletin-jobs"
    if jobs.is_dir():
        found += [f".bulletin-jobs/{p.name}" for p in jobs.iterdir() if not p.name.endswith(".lock")]
    return sorted(found)


CLUSTER_FOLDERS = ("bulletin-dask-", "dask-scratch-space", "dask-worker-space")


def cluster_folders(folder: Path) -> set[str]:
    """The folders a cluster run makes in a temp folder: its own scratch, Dask's. Looked for in
    /tmp too, where the run's private TMPDIR should keep them from ever appearing; not clip
    folders there (bulletin-clips-*), which other test sessions on this machine make."""
    return {p.name for p in folder.iterdir() if p.name.startswith(CLUSTER_FOLDERS)}


@pytest.mark.parametrize("where", ["local:2", "scheduler"])
def test_a_cluster_batch_that_succeeds_prints_nothing_on_stderr_but_the_engine_line(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 23: every successful local:2 run printed a 15-line CancelledError traceback (the
    workers' stop watchers were waiting on the scheduler when it closed)."""
    address = where if where.startswith("local") else request.getfixturevalue("dask_cluster").address
    src, out, tmp = write_articles(tmp_path / "in", 3), tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    code, stdout, err = run("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir",
                            str(tmp_path / "cache"), "--cluster", address, "-q", env=env)  # fmt: skip
    assert code == 0, err
    assert err == ENGINE_LINE + "\n"
    assert "3 made, 0 unchanged, 0 failed" in stdout, stdout
    check_folder(out, {p.name for p in out.glob("*.mp3")})
    assert debris(out) == []
    assert list(tmp.iterdir()) == []  # the local cluster's scratch went with it


def test_sigterm_at_random_moments_of_a_cluster_batch_leaves_only_complete_files_and_the_state(
    tmp_path: Path,
) -> None:
    """Issue 23: after SIGTERM a local:2 batch printed a tornado NameError and, in 3 runs out
    of 5, left hidden .part and .pcm files in the output folder and clip folders in /tmp.
    Ten SIGTERMs, each at a random moment from the start of the batch (the output folder is
    made just before the cluster starts) to about its end: the cluster starting, jobs running,
    results being recorded, the cluster closing. Each run exits 130 with only the interrupted
    lines (or had ended, 0), leaves no process, no hidden file in the output folder, nothing in
    its temp folder (TMPDIR) and no new cluster folder in /tmp, and its state file lists only
    whole outputs. BULLETIN_FAULT_SEED=N replays the moments."""
    rng = random.Random(SEED)
    src, tmp = write_articles(tmp_path / "in", 6, sentences=2), tmp_path / "tmp"
    env = {**os.environ, "TMPDIR": str(tmp)}
    in_tmp = cluster_folders(Path("/tmp"))
    suspects: dict[str, str] = {}
    for trial in range(10):
        tmp.mkdir()
        out = tmp_path / f"out{trial}"
        moment = rng.uniform(0.0, 3.5)
        why = f"trial {trial}: SIGTERM {moment:.2f} s after the batch started (BULLETIN_FAULT_SEED={SEED})"
        proc = bulletin("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir",
                        str(tmp_path / f"cache{trial}"), "--cluster", "local:2", "-q", env=env)  # fmt: skip
        below: set[int] = set()
        try:
            deadline = time.monotonic() + 60
            while not out.exists():
                assert proc.poll() is None and time.monotonic() < deadline, (why, proc.communicate())
                time.sleep(0.01)
            fire = time.monotonic() + moment
            while time.monotonic() < fire and proc.poll() is None:
                below |= descendants(proc.pid)
                time.sleep(0.02)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        why = f"{why}\n{err}"
        lines = err.splitlines()
        if proc.returncode == 130:
            assert lines[-1] == "bulletin: interrupted; nothing more was written", why
            assert all(INTERRUPTED_LINES.fullmatch(line) for line in lines), why
        else:
            # It had ended before the signal; -15: the signal came while Python was finishing
            # (past the CLI's handler, with every file and the state written).
            assert proc.returncode in (0, -signal.SIGTERM) and lines == [ENGINE_LINE], why
        deadline = time.monotonic() + 10
        while alive(below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(below), f"a worker process outlived the batch; {why}"
        assert debris(out) == [], why
        outputs = state_of(out)["outputs"] if (out / ".bulletin-state.db").exists() else {}
        for name, entry in outputs.items():
            assert sha(out / name) == entry["files"][name]["sha256"], f"{name}; {why}"
            assert (probe(out / name).duration_ms or 0) > 1_000, f"{name}; {why}"
        unrecorded = {Path(line.split()[1].rstrip(":")).name for line in lines
                      if line.startswith("interrupted ") and "written but not recorded" in line}  # fmt: skip
        assert {p.name for p in out.glob("*.mp3")} == set(outputs) | unrecorded, why
        assert sorted(p.name for p in tmp.iterdir()) == [], why
        suspects |= {name: why for name in cluster_folders(Path("/tmp")) - in_tmp}
        tmp.rmdir()
    # Other test sessions on this machine start clusters in /tmp; theirs come and go, and one
    # this batch left would stay.
    deadline = time.monotonic() + 10
    while (left := {n: w for n, w in suspects.items() if (Path("/tmp") / n).exists()}) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == {}, left


def test_sigterm_on_a_scheduler_stops_the_batch_cleanly_and_frees_the_workers(
    dask_cluster: DaskProcesses, tmp_path: Path
) -> None:
    """The same stop on workers this process did not start: their jobs are asked to stop
    through the scheduler (no exception raised into their threads), the batch says only that
    it was interrupted, and the workers take the next batch at once."""
    src, out = write_articles(tmp_path / "in", 8, sentences=3), tmp_path / "out"
    args = ("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(tmp_path / "cache"),
            "--cluster", dask_cluster.address, "-q")  # fmt: skip
    proc = bulletin(*args)
    try:
        deadline = time.monotonic() + 120
        while not ((out / ".bulletin-state.db").exists() and state_of(out)["outputs"]):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    lines = err.splitlines()
    assert lines[-1] == "bulletin: interrupted; nothing more was written", err
    assert all(INTERRUPTED_LINES.fullmatch(line) for line in lines), err
    done = set(state_of(out)["outputs"])
    assert 1 <= len(done) < 8, err
    unrecorded = frozenset(Path(line.split()[1].rstrip(":")).name for line in lines
                           if line.startswith("interrupted ") and "written but not recorded" in line)  # fmt: skip
    check_folder(out, done, unrecorded)
    assert debris(out) == []
    with dask_cluster.client() as client:  # nothing of the stopped batch still runs there
        deadline = time.monotonic() + 5
        while any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(client.processing().values()), client.processing()
    code, stdout, err = run(*args)
    assert code == 0 and err == ENGINE_LINE + "\n", err
    assert "0 failed" in stdout and len(state_of(out)["outputs"]) == 8, stdout
