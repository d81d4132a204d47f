"""What a signed request body may be: parsed as Bolt parses it, then held to the shapes Slack sends.

A correct signature proves the body came from someone with the signing secret, not that it has
the shape Bolt and the listeners assume: `[]`, `null`, `1e999`, JSON nested 100,000 deep or
`{"event": "x"}` used to reach Bolt and fail inside it with a 500 and a traceback. Here they
become `BadBody`, which the server answers with 400. Only the fields that Bolt (its context
extraction, matchers and built-in middleware) and our listeners read are checked; any other
field may hold anything, as Slack adds fields over time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_DEPTH = 40  # Slack's deepest payloads (a modal's state with rich text) stay well under this

NoneType = type(None)


class BadBody(ValueError):
    """A body that Slack would never send; `reason` is short and holds none of the body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Shape:
    """The allowed types of some fields of an object; `nested` names the shape (in `_SHAPES`)
    of an object found in a field, or of each object of a list; `required` must be present."""

    fields: Mapping[str, tuple[type, ...]]
    nested: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()


_S = (str,)
_SN = (str, NoneType)
_ON = (dict, NoneType)
_SON = (str, dict, NoneType)  # an id, or an object with one
_LN = (list, NoneType)
_FLAG = (bool, str, NoneType)  # is_enterprise_install: true or "true"

# Bolt's context extraction looks into the same fields again inside `event`, `message`,
# `previous_message`, `item`, `assistant_thread` and the first of `authorizations`, so one shape
# holds at every level.
_SHAPES: dict[str, Shape] = {
    "slack": Shape(
        {"type": _SN, "token": _SN, "api_app_id": _SN, "event_id": _SN,
         "event_time": (int, NoneType), "event_ts": _SN, "challenge": _SN, "ssl_check": _SN,
         "response_url": _SN, "trigger_id": _SN, "callback_id": _SN, "action_id": _SN,
         "block_id": _SN, "command": _SN, "text": _SN, "ts": _SN, "thread_ts": _SN,
         "subtype": _SN, "bot_id": _SN, "channel_type": _SN, "tab": _SN,
         "enterprise_id": _SN, "team_id": _SN, "user_id": _SN, "channel_id": _SN,
         "context_team_id": _SN, "context_enterprise_id": _SN, "is_enterprise_install": _FLAG,
         "is_ext_shared_channel": (bool, NoneType), "is_bot": (bool, NoneType),
         "function_execution_id": _SN, "bot_access_token": _SN,
         "enterprise": _SON, "team": _SON, "user": _SON, "channel": _SON, "user_team": _SON,
         "event": (dict,), "message": _ON, "previous_message": _ON, "item": _ON,
         "assistant_thread": _ON, "view": _ON, "container": _ON, "function_data": _ON,
         "function": _ON, "workflow_step": _ON, "state": _ON, "inputs": _ON,
         "authorizations": _LN, "actions": _LN, "response_urls": _LN},
        nested={"enterprise": "id", "team": "id", "user": "id", "channel": "id",
                "user_team": "id", "event": "slack", "message": "slack",
                "previous_message": "slack", "item": "slack", "assistant_thread": "slack",
                "authorizations": "slack", "view": "view", "container": "container",
                "function_data": "function_data", "function": "function",
                "actions": "action", "response_urls": "response_url"}),
    "id": Shape({"id": _SN, "team_id": _SN, "enterprise_id": _SN, "name": _SN}),
    "view": Shape({"id": _SN, "team_id": _SN, "app_installed_team_id": _SN, "callback_id": _SN,
                   "type": _SN, "private_metadata": _SN}),
    "container": Shape({"is_ephemeral": (bool, NoneType), "type": _SN, "message_ts": _SN,
                        "channel_id": _SN}),
    "function_data": Shape({"execution_id": _SN, "inputs": _ON}),
    "function": Shape({"callback_id": _SN}),
    "action": Shape({"action_id": _SN, "block_id": _SN, "value": _SN, "type": _SN,
                     "action_ts": _SN}),
    "response_url": Shape({"response_url": _SN, "channel_id": _SN, "block_id": _SN,
                           "action_id": _SN}),
    # What every body Slack sends as JSON (or as an interactivity payload) has.
    "body": Shape({"type": _S}, required=("type",)),
    "event": Shape({"type": _S}, required=("type",)),
    # The events our listeners answer read these as text; Slack sends them as text.
    "answered_event": Shape({"user": _SN, "channel": _SN, "ts": _SN, "text": _SN}),
    # Interactivity payloads carry the user and channel as objects, the buttons in `actions`.
    "block_actions": Shape({"user": _ON, "channel": _ON, "actions": (list,)},
                           required=("actions",)),
}
_ANSWERED_EVENTS = frozenset({"app_mention", "message", "app_home_opened"})


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is NoneType else {dict: "object", list: "array", str: "string",
                                                     bool: "boolean", int: "integer"}[t]
                       for t in types)


def _check(value: Mapping[str, Any], shape: Shape, where: str) -> None:
    for name in shape.required:
        if name not in value:
            raise BadBody(f"{where}{name} is missing")
    for name, types in shape.fields.items():
        if name not in value:
            continue
        item = value[name]
        # bool is an int to Python; JSON keeps them apart, and so does this check.
        if not isinstance(item, types) or (isinstance(item, bool) and bool not in types):
            raise BadBody(f"{where}{name} is not {_type_names(types)}")
        inner = shape.nested.get(name)
        if inner is None:
            continue
        for element in item if isinstance(item, list) else [item]:
            if isinstance(element, dict):
                _check(element, _SHAPES[inner], f"{where}{name}.")
            elif isinstance(item, list):
                raise BadBody(f"{where}{name} holds something that is not an object")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth_within(value: Any, limit: int) -> bool:
    todo: list[tuple[Any, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in item)
    return True


def _loads(text: str) -> Any:
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constants)
    except RecursionError:
        raise BadBody("JSON nested too deep") from None
    except ValueError:  # malformed, NaN/Infinity, 1e999, a 5,000-digit integer
        raise BadBody("not valid JSON") from None
    if not _depth_within(value, MAX_DEPTH):
        raise BadBody("JSON nested too deep")
    return value


def check_body(body: str, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will parse it (its `parse_body` rules), when Slack could have sent it.

    `content_type` is the media type without parameters, as Bolt extracts it. Raises `BadBody`.
    """
    if not body:
        raise BadBody("empty body")
    if content_type == "application/json" or body.startswith("{"):
        parsed = _loads(body)
        source = "JSON body"
    elif "payload" in body:
        payload = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
        if payload is None:
            return {}  # what Bolt makes of it too (a form that merely mentions "payload")
        parsed = _loads(payload)
        source = "payload"
    else:
        return dict(parse_qsl(body, keep_blank_values=True))  # a form: text values only
    if not isinstance(parsed, dict):
        raise BadBody(f"the {source} is not an object")
    _check(parsed, _SHAPES["body"], "")
    _check(parsed, _SHAPES["slack"], "")
    if parsed["type"] == "block_actions":
        _check(parsed, _SHAPES["block_actions"], "")
        if not parsed["actions"]:  # a click is one action at least; Bolt indexes the first
            raise BadBody("actions is empty")
    if parsed["type"] == "event_callback" and "event" not in parsed:
        raise BadBody("event is missing")
    if "event" in parsed:
        event = parsed["event"]
        _check(event, _SHAPES["event"], "event.")
        if event["type"] in _ANSWERED_EVENTS:
            _check(event, _SHAPES["answered_event"], "event.")
    return parsed
