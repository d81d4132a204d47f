"""meetup-bot: the command line and the Slack app over the store."""
