"""iCalendar parsing: pure functions, no database."""
