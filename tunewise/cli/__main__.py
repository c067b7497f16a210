"""`python -m tunewise.cli`: the same as the `tunewise` command."""

from tunewise.cli import main

main()
