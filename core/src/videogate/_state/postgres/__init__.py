"""The PostgreSQL state backend: journal, cache and account limits shared by a fleet.

Imported only when ``[state] url`` names a PostgreSQL server; it needs the ``postgres``
extra (``pip install "videogate[postgres]"``, psycopg 3).
"""

from __future__ import annotations

from videogate._state.postgres.cache import PostgresCache
from videogate._state.postgres.connection import Database, display_url
from videogate._state.postgres.journal import PostgresJournal
from videogate._state.postgres.limits import PostgresLimitStore

__all__ = ["Database", "PostgresCache", "PostgresJournal", "PostgresLimitStore", "display_url"]
