"""Reading report text into an event and its talks; pure: no database, no files.

`parse_report` is the only entry point. The pipeline: readers turn Markdown, HTML or plain
text into blocks; small rules turn blocks into candidate talks; the candidates that carry the
report's talks are chosen by evidence.
"""

from store.reports.headings import (
    PARSER_VERSION,
    SUMMARY_MAX,
    ParsedEvent,
    ParsedReport,
    ParsedTalk,
    find_date,
    parse_report,
    parse_speakers,
    split_heading,
    summarise,
)

__all__ = [
    "PARSER_VERSION",
    "SUMMARY_MAX",
    "ParsedEvent",
    "ParsedReport",
    "ParsedTalk",
    "find_date",
    "parse_report",
    "parse_speakers",
    "split_heading",
    "summarise",
]
