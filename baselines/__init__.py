"""Model adapters (one folder or module per model family)."""
