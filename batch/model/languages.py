"""Language codes as the data writes them (BCP 47: en, fr-CA, es-MX) and as CLDR (Babel) names them."""

from __future__ import annotations

import re

LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?\Z")


def base_language(language: str) -> str:
    """The language of a code without its region: fr-CA -> fr."""
    return language.split("-", 1)[0].lower()


def locale_name(language: str) -> str:
    """Babel's (CLDR's) name of a language code: fr-ca -> fr_CA, zh-hant -> zh_Hant."""
    base, _, more = language.partition("-")
    if not more:
        return base.lower()
    return f"{base.lower()}_{more.upper() if len(more) == 2 else more.title()}"
