"""Engine and session factory. SQLite runs in WAL mode with a busy timeout."""

from __future__ import annotations

import select
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "autotuner_write"
SQLITE_POOL_SIZE = 20
SQLITE_POOL_OVERFLOW = 40


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; for SQLite, create the folder and set WAL + busy timeout."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            # Enough kept open for the thread pool's concurrent requests, the tuning worker and the
            # event streams: past pool_size, a connection is opened (four PRAGMAs) and closed for
            # each checkout, which cost a third of a busy server's time.
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_OVERFLOW,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # Let SQLAlchemy, not pysqlite, emit BEGIN (see ``_sqlite_begin``).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            # A writing transaction takes the write lock up front (and waits for it under the
            # busy timeout): a deferred transaction that reads and then writes could fail at
            # once with "database is locked" when another writer committed in between.
            if connection.get_execution_options().get(WRITE_OPTION):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.exec_driver_sql("BEGIN")

        return engine
    local = _is_local(make_url(url))
    # Across a network a pooled connection may have died silently (a firewall, a NAT's timeout):
    # ping it on every checkout. On this machine a connection only ends when the server ends it,
    # and the server then says so on the socket: look at the socket instead of a round trip.
    engine = create_engine(url, pool_pre_ping=not local, pool_size=10, max_overflow=20)
    if local:
        event.listen(engine, "checkout", _alive_on_checkout(engine))
    return engine


def _alive_on_checkout(engine: Engine) -> Callable[[DBAPIConnection, ConnectionPoolEntry, PoolProxiedConnection], None]:
    """A ``checkout`` listener that replaces a pooled connection the server has ended (restarted,
    ``pg_terminate_backend``, an idle timeout): such a connection's socket is readable while no
    statement runs (the server's last message, then the end of the stream), so only then is it
    pinged; a live one costs a ``poll`` with no wait instead of a round trip (``pool_pre_ping``:
    0.15 ms of the service's CPU per request on the 2-core machines). Raising
    ``DisconnectionError`` makes the pool open a new connection in its place."""

    def check(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        try:
            poller = select.poll()  # not select.select: a descriptor may be past FD_SETSIZE
            poller.register(dbapi_connection.fileno(), select.POLLIN)
            if poller.poll(0):
                engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"The pooled connection was ended by the server ({exc}).") from exc

    return check


def _is_local(url: URL) -> bool:
    host = url.host or str(url.query.get("host") or "")
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")


def on_this_machine(engine: Engine) -> bool:
    """Whether a statement to ``engine``'s database is a short trip: SQLite (calls into this
    process), or a server reached over this machine's loopback or a Unix socket (tens of
    microseconds a round trip, where a network may add a millisecond or more)."""
    return engine.url.get_backend_name() == "sqlite" or _is_local(engine.url)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# Keyed by the session's bind: an engine (or a connection, for a session bound to one).
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine | Connection, threading.Lock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()
_HELD_LOCK = "autotuner_sqlite_write_lock"


def _sqlite_write_lock(bind: Engine | Connection) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(bind)
        if lock is None:
            lock = _WRITE_LOCKS[bind] = threading.Lock()
        return lock


def begin_write(session: Session) -> None:
    """Declare that ``session`` will write; call it before the session's first statement.

    On SQLite the transaction then starts with ``BEGIN IMMEDIATE`` (it waits for the database's
    write lock under the busy timeout, instead of failing later when a read turns into a write),
    and writers of this process queue on a lock of their own first: SQLite's busy handler polls
    with sleeps, which gave concurrent writers a long tail. Elsewhere it is a no-op.
    """
    if session.in_transaction():
        return
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        lock = _sqlite_write_lock(bind)
        lock.acquire()
        session.info[_HELD_LOCK] = lock
        try:
            session.connection(execution_options={WRITE_OPTION: True})
        except BaseException:
            session.info.pop(_HELD_LOCK, None)
            lock.release()
            raise
        return
    session.connection(execution_options={WRITE_OPTION: True})


@event.listens_for(Session, "after_transaction_end")
def _release_write_lock(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended (commit, rollback or close): let the next writer in.
    if transaction.parent is None:
        lock = session.info.pop(_HELD_LOCK, None)
        if lock is not None:
            lock.release()


def flush_unique(session: Session, conflict_message: str) -> None:
    """Flush; a unique constraint broken by a concurrent writer becomes the same 409 the
    services' own checks give (the transaction is rolled back)."""
    from sqlalchemy.exc import IntegrityError

    from autotuner.core.errors import NameConflict

    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise NameConflict(conflict_message) from None


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error; ``write=True`` begins it
    as a writing transaction (see :func:`begin_write`)."""
    session = factory()
    try:
        if write:
            begin_write(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_read(session: Session) -> None:
    """Start ``session`` for reads (and at most an authentication's record of a token's use, which
    it commits in a transaction of its own); before its first statement. Close it when done: it
    has nothing to commit (a commit was 0.15 ms of the service's CPU per request).

    On PostgreSQL its reads run in autocommit: under READ COMMITTED, its default, each statement
    of a transaction sees a snapshot of its own anyway, and a transaction's BEGIN and COMMIT are
    two round trips more per request. SQLite keeps one transaction, so that all of a request's
    reads see one snapshot (the preset cache's freshness check and the rows it then reads agree);
    there BEGIN and its end are calls within the process."""
    if session.get_bind().dialect.name != "sqlite":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
