"""The training-free models (training-free-dynamic, -uniform, -threshold): Whisper with its frames merged, untrained."""
