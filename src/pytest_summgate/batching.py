"""Which files are case files, and how their cases are scored together.

A case file is matched by ``summgate_globs``: a pattern with a ``/`` matches the path from
the rootdir, any other the file's name. Collection and the xdist scheduler both ask here.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence


def is_case_file(relative: str, globs: Sequence[str]) -> bool:
    """Whether the file at ``relative`` (POSIX path from the rootdir) holds cases."""
    name = relative.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(relative if "/" in g else name, g) for g in globs)
