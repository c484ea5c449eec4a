"""Folders only this user may open, on Windows: a protected ACL, as Python's own ``os.mkdir(mode=0o700)``.

POSIX modes mean nothing on Windows.  `restrict_to_owner` gives a folder the
access list CPython gives a folder made with mode 0o700 (3.11.10 and later,
gh-118486, CVE-2024-4030): full control for SYSTEM, the computer's
Administrators and the folder's owner (this user), inherited by everything
made inside, and nothing inherited from the folders above (``P``: protected).
It is set with SetNamedSecurityInfoW, which also hands it down to the files
already inside.  Administrators keep access: on Windows they can take
ownership of any file anyway, so an ACL leaving them out would promise what it
cannot keep.  The calls go through ctypes to advapi32, part of every Windows:
no program is started (no console window flashes up in the desktop app, and
no ``icacls.exe`` is looked for on a path someone else may have planted).
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path

# SDDL of the folder's access list: Protected; Allow, Object and Container Inherit, File All access, to
# SYstem, Builtin Administrators and Owner rights.  The same string as CPython's mkdir(mode=0o700).
OWNER_ONLY_SDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;OW)"
# What SetNamedSecurityInfoW says on a drive that keeps no permissions (FAT32, exFAT: most USB
# sticks): ERROR_INVALID_FUNCTION, ERROR_NOT_SUPPORTED.  Nothing can be restricted there, as with
# chmod on such a drive elsewhere; the folder is used as it is.
NO_ACL_ERRORS = frozenset({1, 50})
_SE_FILE_OBJECT = 1
_DACL_SECURITY_INFORMATION = 0x00000004
_PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000
_SDDL_REVISION_1 = 1


def restrict_to_owner(path: Path) -> bool:
    """Give the folder ``path`` the owner-only access list; False where its drive keeps none.

    Raises `OSError` (with Windows' own reason) when it cannot be set, and on any other system.
    """
    if sys.platform == "win32":
        return _set_owner_only(path)
    raise OSError(errno.ENOSYS, "Windows access lists exist only on Windows")


if sys.platform == "win32":  # the calls exist there only (and mypy checks them with --platform win32)
    import ctypes
    from ctypes import wintypes

    def _set_owner_only(path: Path) -> bool:
        advapi = ctypes.WinDLL("advapi32", use_last_error=True)
        kernel = ctypes.WinDLL("kernel32", use_last_error=True)
        convert = advapi.ConvertStringSecurityDescriptorToSecurityDescriptorW
        convert.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, ctypes.POINTER(ctypes.c_void_p),
                            ctypes.c_void_p]
        convert.restype = wintypes.BOOL
        get_dacl = advapi.GetSecurityDescriptorDacl
        get_dacl.argtypes = [ctypes.c_void_p, ctypes.POINTER(wintypes.BOOL), ctypes.POINTER(ctypes.c_void_p),
                             ctypes.POINTER(wintypes.BOOL)]
        get_dacl.restype = wintypes.BOOL
        set_named = advapi.SetNamedSecurityInfoW
        set_named.argtypes = [wintypes.LPWSTR, ctypes.c_int, wintypes.DWORD, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_void_p, ctypes.c_void_p]
        set_named.restype = wintypes.DWORD
        local_free = kernel.LocalFree
        local_free.argtypes = [ctypes.c_void_p]
        local_free.restype = ctypes.c_void_p

        descriptor = ctypes.c_void_p()
        if not convert(OWNER_ONLY_SDDL, _SDDL_REVISION_1, ctypes.byref(descriptor), None):
            raise ctypes.WinError(ctypes.get_last_error())
        try:
            present, defaulted, dacl = wintypes.BOOL(), wintypes.BOOL(), ctypes.c_void_p()
            if not get_dacl(descriptor, ctypes.byref(present), ctypes.byref(dacl), ctypes.byref(defaulted)):
                raise ctypes.WinError(ctypes.get_last_error())
            error = set_named(str(path), _SE_FILE_OBJECT,
                              _DACL_SECURITY_INFORMATION | _PROTECTED_DACL_SECURITY_INFORMATION,
                              None, None, dacl, None)
        finally:
            local_free(descriptor)
        if error in NO_ACL_ERRORS:
            return False
        if error:
            raise ctypes.WinError(error)
        return True
