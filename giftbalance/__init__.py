"""giftbalance: a gift-card balance tracker and spend-down planner."""

__version__ = "0.1.0"
