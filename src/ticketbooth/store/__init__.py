"""Persistence: SQLAlchemy models, Alembic migrations and one repository per aggregate.

Import the submodules by path.  ``records`` holds the plain values the repositories
return and the protocols ``auth`` depends on; it imports no database code.
"""
