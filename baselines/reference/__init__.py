"""The embedded default model: training-free frame-rate reduction on a real Whisper model."""
