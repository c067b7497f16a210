"""Comparing methods side by side."""

from tunewise.compare.leaderboard import leaderboard_table, verdict

__all__ = ["leaderboard_table", "verdict"]
