"""How every browser check starts Chromium (the guide's site, the running example).

Headless, with no sandbox (CI runs as root), and with nothing that reaches
the network by itself: on a machine without internet, Chromium's background
services fail their look-ups many times a second otherwise.
"""

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
