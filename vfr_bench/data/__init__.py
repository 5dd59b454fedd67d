"""Data sets: samples, the JSONL manifest format and the built-in offline speech."""
