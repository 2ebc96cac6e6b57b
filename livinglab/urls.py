"""Redirect targets taken from requests must stay on this site."""
from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    if not target or not isinstance(target, str):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
