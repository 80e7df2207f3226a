"""Server tests: see tests/server_fixtures.py."""
