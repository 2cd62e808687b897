"""The one table every repository shares."""
