"""trackerscan's desktop application: PyQt6 views over the core's state.

The views hold no detection logic: they show what `trackerscan.engine`
decides, in plain words.  Run it as `trackerscan-gui` or `trackerscan gui`.
"""
