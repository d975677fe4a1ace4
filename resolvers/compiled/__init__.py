"""The compiled read path: one PostgreSQL statement per read query (schema/compiled.py)."""
