"""Fakes of Slack for the tests: the Web API and the Socket Mode endpoint."""
