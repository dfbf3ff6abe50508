"""voicetrainer: rehearse difficult customer conversations out loud, offline."""

__version__ = "0.1.0"
