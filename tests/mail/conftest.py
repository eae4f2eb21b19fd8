"""The outbox and its sender over real databases."""

from tests.databases import database_url, db, engine_name, migrated_database

__all__ = ["database_url", "db", "engine_name", "migrated_database"]
