"""`python -m bot` runs the `meetup-bot` command."""

from bot.cli import cli

if __name__ == "__main__":
    cli()
