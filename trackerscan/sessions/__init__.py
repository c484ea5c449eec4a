"""Recorded scan sessions: recording (writer), finding them (listing), export, evidence reports, retention.

The file format and its reader are `trackerscan.formats.session`.
"""
