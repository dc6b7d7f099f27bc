"""Entry point of the frozen desktop program: the ``elm-desktop`` command line."""

import multiprocessing
import sys

from elm_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes of a frozen program start through here
    sys.exit(main())
