"""Django's SQLite backend, with one writer at a time inside the process (base.py)."""
