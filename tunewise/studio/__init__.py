"""The studio: a no-code web app over the same store, experiment schema and runner as the CLI."""
