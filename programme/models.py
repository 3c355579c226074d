"""Groups, sessions, attendance and catch-ups arrive with the programme issue."""
