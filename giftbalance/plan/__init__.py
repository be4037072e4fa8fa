"""The spend-down plan: the pure planner and the loader that feeds it from the database."""
