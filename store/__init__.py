"""The store: meetup reports parsed into events and talks, kept in a SQL database."""
