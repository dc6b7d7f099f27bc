import sys

from elm_desktop.cli import main

sys.exit(main())
