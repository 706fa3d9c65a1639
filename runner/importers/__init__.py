"""Other tools' scripts as Squall specs (Artillery)."""
