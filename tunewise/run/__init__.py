"""Running an experiment: the experiment file, the data check, one session per run, each method fitted,
measured and stored, resume after a crash, and sweeps. Entry points (CLI, studio) call this; nothing below
imports it."""
