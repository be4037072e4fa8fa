"""Plain values with no I/O: money, dates, free text, recurrence rules."""
