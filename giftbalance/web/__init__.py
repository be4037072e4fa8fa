"""The household page (``giftbalance serve``): routes, templates, sign-in and CSRF only, over
the same domain functions the command line calls."""
