"""Stored results rendered for people: the leaderboard and the decision in the terminal, one run's details,
the data-quality table, and the self-contained HTML report with its plots."""
