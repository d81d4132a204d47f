"""Typed errors of the store; the edges (CLI, Slack) turn them into short messages."""

from __future__ import annotations


class MeetupBotError(Exception):
    """Base of every error the project raises on purpose."""


class ReportError(MeetupBotError):
    """A report file that cannot be imported, with a one-line reason."""

    def __init__(self, reason: str, path: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return self.reason


class TalkNotFound(MeetupBotError):
    """No talk with the given id."""
