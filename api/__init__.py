"""The Bachata Buddy HTTP API."""
