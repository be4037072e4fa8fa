"""The weekly report: the pure computation and the loader that feeds it from the database."""
