"""``python -m stridecheck``: the same as the ``stridecheck`` command."""

from stridecheck.cli import main

if __name__ == "__main__":
    main()
