"""Virtual BLE treadmill on a bumble transport: `python devices/virtual_treadmill.py --help`."""

from __future__ import annotations

import sys

from stridecheck.live.standalone import main

if __name__ == "__main__":
    sys.exit(main("treadmill"))
