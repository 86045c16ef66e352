"""Tools the model can call: the registry and the event tools."""

from eventchat.tools.base import DATA_BEGIN, DATA_END, Tool, ToolOutput, ToolRegistry
from eventchat.tools.events import EventTools, make_event_tools

__all__ = [
    "DATA_BEGIN",
    "DATA_END",
    "EventTools",
    "Tool",
    "ToolOutput",
    "ToolRegistry",
    "make_event_tools",
]
