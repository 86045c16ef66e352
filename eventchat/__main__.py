"""Allow ``python -m eventchat``."""

from eventchat.cli import main

main()
