"""Speech engines: the contract in :mod:`.base`, one module per engine."""

from .base import AudioChunk, Engine, Voice, available_engines, get_engine

__all__ = ["AudioChunk", "Engine", "Voice", "available_engines", "get_engine"]
