"""Worked answers to the course's exercises, one module per chapter (read them after trying)."""
