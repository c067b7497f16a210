"""Comparing methods side by side."""

from tunewise.compare.leaderboard import Row, leaderboard_rows, leaderboard_table

__all__ = ["Row", "leaderboard_rows", "leaderboard_table"]
