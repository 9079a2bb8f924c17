"""Locales: normalising what callers send, and choosing an offer's content for a locale."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

_LOCALE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}))?(?:[-_.@].*)?$")

T = TypeVar("T")


def normalize_locale(raw: str | None) -> str | None:
    """``de_de`` → ``de-DE``, ``FR`` → ``fr``; None when it does not look like a locale.

    >>> normalize_locale("pt_br.UTF-8")
    'pt-BR'
    """
    if not raw:
        return None
    match = _LOCALE.match(raw.strip())
    if not match:
        return None
    language, region = match.group(1).lower(), match.group(2)
    return f"{language}-{region.upper()}" if region else language


def choose_content(contents: Mapping[str, T], locale: str | None, default_locale: str) -> T:
    """The content for ``locale``: exact match, else same language, else the default locale.

    >>> choose_content({"en": "Hi", "de": "Hallo"}, "de-AT", "en")
    'Hallo'
    """
    if locale:
        if locale in contents:
            return contents[locale]
        language = locale.split("-")[0]
        if language in contents:
            return contents[language]
        for key in sorted(contents):
            if key.split("-")[0] == language:
                return contents[key]
    return contents[default_locale]
