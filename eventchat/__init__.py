"""eventchat: ask about events in your terminal."""

__version__ = "0.1.0"
