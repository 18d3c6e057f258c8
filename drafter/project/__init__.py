"""A project as files: config.yaml, query files and their SQL, read and validated."""
