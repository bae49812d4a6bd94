"""Download-or-explain: fetch a missing dataset when online, else one clear error."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from litlab.errors import DataError


def ensure_files(folder: Path, files: list[str], name: str, download: Callable[[], None]) -> None:
    """Make sure every file exists in `folder`, downloading once if any is missing.

    Fails fast (30 s socket timeout) with a message naming the folder and files expected.
    """
    missing = [f for f in files if not (folder / f).is_file()]
    if not missing:
        return
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        download()
    except Exception as exc:  # any failure means: tell the user where the files must go
        raise DataError(
            f"{name} is not in {folder} and could not be downloaded ({type(exc).__name__}); "
            f"put {', '.join(missing)} there, or set DATA_DIR to a folder that has {name}."
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    still = [f for f in files if not (folder / f).is_file()]
    if still:
        raise DataError(f"{name} download finished but {folder} still lacks {', '.join(still)}.")
