"""Alembic migrations of the Proctor database."""
