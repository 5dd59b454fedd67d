"""Latency lab: what each frame rate costs at real model size, with random weights and no download."""
