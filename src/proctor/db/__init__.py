"""Persistence: SQLAlchemy models, engine setup, migrations and repository functions."""
