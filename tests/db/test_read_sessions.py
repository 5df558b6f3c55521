"""Sessions for the API's hot reads (autotuner.db.session.begin_read, on_this_machine): on
PostgreSQL their statements go in autocommit (no BEGIN and COMMIT round trips), on SQLite in one
transaction (one snapshot); a connection they return to the pool is a transactional one again.
A pooled connection to a server on this machine is checked by looking at its socket, not pinged."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from autotuner.db.session import begin_read, make_engine, make_session_factory, on_this_machine, session_scope


@contextmanager
def read_scope(factory):
    """A session as the API's hot reads use one (autotuner.web.deps: begin_read, then close)."""
    session = factory()
    try:
        begin_read(session)
        yield session
    finally:
        session.close()


def _dbapi(session):
    return session.connection().connection.dbapi_connection


def _in_transaction(engine, dbapi) -> bool:
    if engine.dialect.name == "sqlite":
        return bool(dbapi.in_transaction)
    from psycopg.pq import TransactionStatus

    return dbapi.info.transaction_status != TransactionStatus.IDLE


def test_a_read_session_needs_no_transaction_on_postgresql_and_keeps_one_snapshot_on_sqlite(database_url):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    try:
        with read_scope(factory) as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
            dbapi = _dbapi(session)
            assert _in_transaction(engine, dbapi) is (engine.dialect.name == "sqlite")
        # The pool hands the same connection to an ordinary session: it has a transaction again.
        with session_scope(factory) as session:
            session.execute(text("SELECT 1"))
            assert _in_transaction(engine, _dbapi(session))
    finally:
        engine.dispose()


def test_a_read_session_rolls_back_what_failed_and_leaves_the_pool_usable(database_url):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    try:
        with pytest.raises(Exception, match="no_such_table"), read_scope(factory) as session:
            session.execute(text("SELECT * FROM no_such_table"))
        with read_scope(factory) as session:
            assert session.execute(text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("sqlite:///autotuner.db", True),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/test", True),
        ("postgresql+psycopg://postgres@localhost/test", True),
        ("postgresql+psycopg://postgres@[::1]:5432/test", True),
        ("postgresql+psycopg:///test?host=/var/run/postgresql", True),
        ("postgresql+psycopg:///test", True),  # libpq's default: the local socket
        ("postgresql+psycopg://postgres@db.internal:5432/test", False),
        ("postgresql+psycopg://postgres@10.0.0.7/test", False),
    ],
)
def test_a_database_on_this_machine_is_read_on_the_event_loop_and_one_across_a_network_is_not(url, local):
    engine = create_engine(url)  # never connects
    assert on_this_machine(engine) is local


@pytest.mark.parametrize(
    ("url", "pinged"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:5432/test", False),
        ("postgresql+psycopg:///test?host=/var/run/postgresql", False),
        ("postgresql+psycopg://postgres@db.internal:5432/test", True),
    ],
)
def test_a_pooled_connection_is_pinged_on_checkout_only_across_a_network(url, pinged):
    engine = make_engine(url)  # never connects
    assert engine.pool._pre_ping is pinged
    # On this machine the socket is looked at instead (see the next test).
    assert bool(engine.pool.dispatch.checkout) is not pinged


def test_a_connection_the_server_ended_is_replaced_on_checkout_without_a_ping_for_live_ones(database_url, monkeypatch):
    engine = make_engine(database_url)
    try:
        if engine.dialect.name == "sqlite":
            # No server can end a connection: neither a ping nor a look at a socket.
            assert not engine.pool._pre_ping and not engine.pool.dispatch.checkout
            return
        pings = []
        real_ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))

        def backend() -> int:
            with engine.connect() as connection:
                return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()

        first = backend()
        assert backend() == first and pings == []  # the same live connection, no round trip to check it
        # Autocommit: each look at pg_stat_activity is a transaction of its own. Within one
        # transaction PostgreSQL keeps the snapshot the first look took, so a backend still ending
        # then was seen for good (CI saw it "not end in 10 s").
        admin = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"SELECT pg_terminate_backend({first})")
                deadline = time.monotonic() + 10
                while connection.exec_driver_sql(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {first}").scalar():
                    assert time.monotonic() < deadline, "the terminated backend did not end in 10 s"
                    time.sleep(0.05)
        finally:
            admin.dispose()
        replaced = backend()  # would raise "terminating connection due to administrator command"
        assert replaced != first and len(pings) == 1
    finally:
        engine.dispose()
