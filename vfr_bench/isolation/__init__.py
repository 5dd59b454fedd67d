"""Models in their own virtual environments, behind a small worker protocol (see worker.py)."""
