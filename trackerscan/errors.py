"""One exception family for errors the user can act on.

Each message is one clear sentence; the command line prints it on one line
and exits with status 2.
"""


class TrackerscanError(Exception):
    """Base of every error trackerscan reports to the user."""

    exit_status = 2


class InputError(TrackerscanError):
    """A file or argument that cannot be used as given."""


class SourceError(TrackerscanError):
    """A Bluetooth or GPS source that cannot be opened or has failed."""


class NoAdapterError(SourceError):
    """No Bluetooth adapter is present or reachable."""


class SessionError(TrackerscanError):
    """A recorded session that cannot be opened, written or found."""


class RingError(TrackerscanError):
    """A tracker could not be made to play its sound."""
