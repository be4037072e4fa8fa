"""``python -m giftbalance``."""

from giftbalance.cli import main

if __name__ == "__main__":
    main()
