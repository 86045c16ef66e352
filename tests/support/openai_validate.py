"""Request validation for the local OpenAI-compatible test server, as the real API rejects them.

Each check returns ``None`` or an OpenAI-style error (message, param, code) that the server sends
with HTTP 400, so a history the real API would refuse fails the test that produced it.
"""

from __future__ import annotations

import re
from typing import Any

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
Problem = tuple[str, str | None, str | None]


def validate(body: Any) -> Problem | None:
    """The first problem with a chat.completions request body, or None when it is acceptable."""
    if not isinstance(body, dict):
        return ("We could not parse the JSON body of your request.", None, None)
    if not isinstance(body.get("model"), str) or not body["model"]:
        return ("you must provide a model parameter", "model", None)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return ("'messages' must be a non-empty array.", "messages", None)
    return _check_messages(messages) or _check_tools(body.get("tools"))


def _check_messages(messages: list[Any]) -> Problem | None:
    pending: list[str] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in {
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
        }:
            return (f"Invalid value for 'messages[{i}].role'.", f"messages.[{i}].role", None)
        role = message["role"]
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in pending:
                return (
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    f"messages.[{i}].role",
                    None,
                )
            pending.remove(call_id)
            continue
        if pending:
            return _unanswered(pending, i)
        if role == "assistant":
            problem = _check_assistant(message, i)
            if problem:
                return problem
            pending = [c["id"] for c in message.get("tool_calls") or []]
        elif not isinstance(message.get("content"), str | list):
            return (f"Invalid type for 'messages[{i}].content'.", f"messages.[{i}].content", None)
    return _unanswered(pending, len(messages)) if pending else None


def _unanswered(pending: list[str], i: int) -> Problem:
    return (
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        f"each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        f"{', '.join(pending)}",
        f"messages.[{i}].role",
        None,
    )


def _check_assistant(message: dict[str, Any], i: int) -> Problem | None:
    calls = message.get("tool_calls")
    if calls is None:
        if not isinstance(message.get("content"), str):
            return (f"Invalid 'messages[{i}].content'.", f"messages.[{i}].content", None)
        return None
    if not isinstance(calls, list) or not calls:
        return (f"Invalid 'messages[{i}].tool_calls': empty array.", f"messages.[{i}]", None)
    for j, call in enumerate(calls):
        fn = call.get("function") if isinstance(call, dict) else None
        ok = (
            isinstance(call, dict)
            and isinstance(call.get("id"), str)
            and call.get("type") == "function"
            and isinstance(fn, dict)
            and isinstance(fn.get("name"), str)
            and isinstance(fn.get("arguments"), str)
        )
        if not ok:
            param = f"messages.[{i}].tool_calls.[{j}]"
            return (f"Invalid '{param}'.", param, None)
    return None


def _check_tools(tools: Any) -> Problem | None:
    if tools is None:
        return None
    if not isinstance(tools, list) or not tools:
        return (
            "Invalid 'tools': empty array. Expected an array with minimum length 1.",
            "tools",
            "empty_array",
        )
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            return (f"Invalid 'tools[{i}]'.", f"tools[{i}]", None)
        name = fn.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            return (
                f"Invalid 'tools[{i}].function.name'.",
                f"tools[{i}].function.name",
                "invalid_value",
            )
        params = fn.get("parameters")
        if params is not None and not (isinstance(params, dict) and params.get("type") == "object"):
            return (
                f"Invalid schema for function '{name}': schema must be a JSON Schema of "
                "'type: \"object\"', got 'type: \"None\"'.",
                f"tools[{i}].function.parameters",
                "invalid_function_parameters",
            )
    return None
