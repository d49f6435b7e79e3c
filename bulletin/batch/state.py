"""The state of a batch folder, in SQLite (``.bulletin-state.db``, WAL mode).

It records each output a batch made (what it was made from, its files and what the feed says
of it), each story the batch's inputs held, and the show settings the feed reuses. Recording an
output is one row written in one transaction, whatever the number already recorded (the JSON
file of earlier releases was rewritten whole each time: O(n) per record, O(n²) per batch).
Readers (``bulletin feed``, :func:`~bulletin.batch.publish.feed_items`) work while a batch
writes: WAL lets them read the last committed state.

The JSON state of earlier releases (``.bulletin-state.json``: ``{"version": 1, "outputs":
{name: entry}, "show": {...}}``) is moved in on first use and kept beside it, renamed
``.bulletin-state.json.migrated``. A state that cannot be read (a truncated JSON file, a
damaged database) is a one-line :class:`OutputError` naming the file, never an empty state:
an empty state would publish an empty feed and make every bulletin again.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import OutputError

if sys.platform != "win32":
    import fcntl

STATE_DB = ".bulletin-state.db"
STATE_NAME = ".bulletin-state.json"
"""The JSON state of earlier releases, migrated into :data:`STATE_DB`."""
MIGRATED_SUFFIX = ".migrated"
BACKUP_SUFFIX = ".bak"
LOCK_NAME = ".bulletin.lock"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (
    name TEXT PRIMARY KEY,
    key TEXT,
    date TEXT,
    entry TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outputs_key ON outputs (key);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    output TEXT,
    title TEXT,
    link TEXT,
    date TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    seen TEXT NOT NULL
);
"""


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One process at a time moves a JSON state in (two cron runs may overlap)."""
    if sys.platform == "win32":  # pragma: no cover - no cross-process lock
        yield
        return
    with open(folder / LOCK_NAME, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield  # the lock goes with the file


def _damaged(path: Path, why: str) -> OutputError:
    return OutputError(f"cannot read the batch state {path}: {why}; move it away to start afresh "
                       "(every bulletin is then made again)")  # fmt: skip


def exists(folder: Path) -> bool:
    """Whether a batch ever recorded anything in ``folder`` (in either format)."""
    return (folder / STATE_DB).is_file() or (folder / STATE_NAME).is_file()


class StateStore:
    """The state of one batch folder. Use it as a context manager (it holds a connection).

    A folder no batch recorded anything in gets its database with the first write, not when it
    is opened: a batch that stops before making anything (an unreachable cluster) leaves no trace.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / STATE_DB
        self._db: sqlite3.Connection | None = None
        self._closed = False
        if exists(folder):
            self._open()

    # --- opening -----------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            legacy = self.folder / STATE_NAME
            if not self.path.exists() and legacy.exists():
                with locked(self.folder):
                    if not self.path.exists():  # another run may have moved it in while this one waited
                        self._migrate(legacy)
            self._db = self._connect(self.path)
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            raise _damaged(self.path, str(exc)) from exc
        except OSError as exc:
            raise _damaged(self.path, exc.strerror or str(exc)) from exc
        return self._db

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # Autocommit mode: each write below opens its own short transaction (BEGIN IMMEDIATE).
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            db.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it consistent
            db.executescript(_SCHEMA)
            found = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if found is None:
                db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif found[0] != str(SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"it was written by another version of bulletin (schema {found[0]})")
            db.execute("PRAGMA quick_check").fetchone()  # a damaged page is found now, not half-way
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, legacy: Path) -> None:
        """Move a JSON state in, then keep the JSON file beside it as a backup."""
        try:
            data = json.loads(legacy.read_text(encoding="utf-8"))
        except OSError as exc:
            raise _damaged(legacy, exc.strerror or str(exc)) from exc
        except (ValueError, RecursionError) as exc:
            raise _damaged(legacy, "it is not valid JSON (cut short, or not written by bulletin)") from exc
        if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict):
            raise _damaged(legacy, 'it has no "outputs" table')
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.part")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        db = self._connect(tmp)
        try:
            with _transaction(db):
                for name, entry in data["outputs"].items():
                    _put_output(db, str(name), entry if isinstance(entry, dict) else {"invalid": entry})
                if isinstance(data.get("show"), dict):
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('show', ?)", (json.dumps(data["show"]),))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('migrated_from', ?)", (legacy.name,))
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{tmp}{suffix}")
        os.replace(tmp, self.path)  # the database appears whole, or not at all
        os.replace(legacy, legacy.with_name(legacy.name + MIGRATED_SUFFIX))

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, the database created if this is the folder's first write."""
        if self._closed:
            raise OutputError(f"the batch state {self.path} is closed")
        return self._db if self._db is not None else self._open()

    def close(self) -> None:
        self._closed = True
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ---------------------------------------------------------------------------

    def outputs(self) -> dict[str, dict[str, Any]]:
        """Every recorded output: name → entry (entries that are not JSON objects are left out)."""
        found: dict[str, dict[str, Any]] = {}
        for name, text in self._rows("SELECT name, entry FROM outputs ORDER BY name"):
            entry = _entry(text)
            if entry is not None:
                found[name] = entry
        return found

    def raw_outputs(self) -> list[tuple[str, Any]]:
        """Every recorded output as stored, malformed ones included (the feed checks each)."""
        return [(name, _json(text)) for name, text in self._rows("SELECT name, entry FROM outputs ORDER BY name")]

    def show(self) -> dict[str, Any]:
        rows = self._rows("SELECT value FROM meta WHERE key = 'show'")
        value = _json(rows[0][0]) if rows else None
        return value if isinstance(value, dict) else {}

    def items(self) -> dict[str, dict[str, Any]]:
        """The stories the last batches saw: key → output, title, link, date, status, reason, seen."""
        rows = self._rows("SELECT key, output, title, link, date, status, reason, seen FROM items")
        names = ("output", "title", "link", "date", "status", "reason", "seen")
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        if self._db is None and not self._closed:
            return []  # nothing recorded yet (and nothing created for reading it)
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, str(exc)) from exc

    # --- writing ---------------------------------------------------------------------------

    def record(self, name: str, entry: dict[str, Any], show: dict[str, Any] | None = None) -> None:
        """Add one made output (and the show settings the feed reuses): one row, one transaction."""
        try:
            with _transaction(self.db):
                _put_output(self.db, name, entry)
                if show is not None:
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('show', ?)", (json.dumps(show),))
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write the batch state {self.path}: {exc}") from exc

    def record_items(self, rows: list[tuple[str, str | None, str | None, str | None, str | None, str, str | None]],
                     seen: str) -> None:  # fmt: skip
        """The stories of this run: (key, output, title, link, date, status, reason) each. Only
        rows that changed are written (``seen`` is when a story's row last changed), so that a
        re-run that makes nothing writes nothing."""
        known = {key: tuple(v for k, v in item.items() if k != "seen") for key, item in self.items().items()}
        rows = [row for row in rows if known.get(row[0]) != row[1:]]
        if not rows:
            return
        try:
            with _transaction(self.db):
                self.db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                    [(*row, seen) for row in rows])  # fmt: skip
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write the batch state {self.path}: {exc}") from exc

    def backup(self) -> None:
        """Copy the state to ``.bulletin-state.db.bak`` (once per batch, before it writes)."""
        if self._db is None:
            return  # nothing recorded yet: nothing to keep
        target = self.path.with_name(self.path.name + BACKUP_SUFFIX)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.part")
        try:
            dest = sqlite3.connect(tmp)
            try:
                self.db.backup(dest)
            finally:
                dest.close()
            os.replace(tmp, target)
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise OutputError(f"cannot back up the batch state {self.path}: {exc}") from exc


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")  # the write lock now: no deadlock upgrading a read later
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _put_output(db: sqlite3.Connection, name: str, entry: dict[str, Any]) -> None:
    key, date = entry.get("key"), entry.get("date")
    db.execute(
        "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)",
        (name, key if isinstance(key, str) else None, date if isinstance(date, str) else None,
         json.dumps(entry, ensure_ascii=False, sort_keys=True)),
    )  # fmt: skip


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None


def _entry(text: str) -> dict[str, Any] | None:
    value = _json(text)
    return value if isinstance(value, dict) and "invalid" not in value else None


def load_state(folder: Path) -> dict[str, Any]:
    """The state in the shape earlier releases kept in JSON: ``{"version": 1, "outputs": {name:
    entry}, "show": {...}}``. A folder no batch wrote to has an empty state; a damaged one is an
    :class:`OutputError`."""
    if not exists(folder):
        return {"version": 1, "outputs": {}}
    with StateStore(folder) as store:
        state: dict[str, Any] = {"version": 1, "outputs": store.outputs()}
        show = store.show()
        if show:
            state["show"] = show
        return state


def record(folder: Path, name: str, entry: dict[str, Any], show: dict[str, Any] | None = None) -> None:
    """Add one made output to the folder's state (opening it for this one record)."""
    with StateStore(folder) as store:
        store.record(name, entry, show)
