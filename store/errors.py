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


class NoTalkFound(ReportError):
    """Text that reads, but holds no talk: not a report (or a page the reader cannot see)."""


class LoginPage(ReportError):
    """A page that asks for a login instead of showing the report."""


class GlossaryError(MeetupBotError):
    """A search glossary file that cannot be read or is not a glossary; one line, with its path."""


class TalkNotFound(MeetupBotError):
    """No talk with the given id."""


class StoreError(MeetupBotError):
    """The store itself failed (read-only, disk full, connection lost): no file is to blame.

    `store` is the store's URL with any password hidden; `cause` the driver's one-line reason.
    """

    def __init__(self, store: str, cause: str) -> None:
        super().__init__(f"cannot use the store {store}: {cause}")
        self.store = store
        self.cause = cause
