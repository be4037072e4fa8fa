"""Records in and out: CSV imports and exports, json/zip exports, journals, backup, check."""
