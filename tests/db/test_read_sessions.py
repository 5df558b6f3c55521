"""Sessions for the API's hot reads (autotuner.db.session.read_scope, on_this_machine): on
PostgreSQL their statements go in autocommit (no BEGIN and COMMIT round trips), on SQLite in one
transaction (one snapshot); a connection they return to the pool is a transactional one again."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from autotuner.db.session import make_engine, make_session_factory, on_this_machine, read_scope, session_scope


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
