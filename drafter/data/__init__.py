"""Data: connections to the sources, running the queries, figures with their provenance."""
