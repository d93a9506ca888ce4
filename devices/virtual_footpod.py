"""Virtual BLE footpod sensor on a bumble transport: `python devices/virtual_footpod.py --help`."""

from __future__ import annotations

import sys

from stridecheck.live.standalone import main

if __name__ == "__main__":
    sys.exit(main("footpod"))
