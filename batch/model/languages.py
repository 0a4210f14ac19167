"""Language codes as the data writes them (BCP 47: en, fr-CA, es-MX) and as CLDR (Babel) names them.

A letter is written in a variant: France's French and Québec's differ in words, register and
typography, Mexico's Spanish and Spain's in words and greetings. A bare `fr` or `es` takes its variant
from the country of the recipient's time zone (the country its holidays come from).
"""

from __future__ import annotations

import re

LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z]{2,4})?\Z", re.IGNORECASE)  # tags are case-insensitive (BCP 47)

# The variants the stock letters are written in, and for a bare language the countries that choose one
# variant over its default (any other country, or none known, takes the default: the first listed).
VARIANTS = {"en": ("en",), "fr": ("fr-FR", "fr-CA"), "es": ("es-MX", "es-ES")}
_BY_COUNTRY = {"fr": {"CA": "fr-CA"}, "es": {"ES": "es-ES", "GQ": "es-ES", "AD": "es-ES"}}
DEFAULT_VARIANT = {base: variants[0] for base, variants in VARIANTS.items()}
# Regions people write that no variant is named by, and the variant that is theirs (Québec is in Canada).
NEAREST = {"fr-QC": "fr-CA"}


def base_language(language: str) -> str:
    """The language of a code without its region: fr-CA -> fr."""
    return language.split("-", 1)[0].lower()


def normal_code(language: str) -> str:
    """A code as the template folders spell it: fr-ca -> fr-CA, EN -> en."""
    base, _, more = language.partition("-")
    return base.lower() if not more else f"{base.lower()}-{more.upper() if len(more) == 2 else more.title()}"


def variant(language: str, country: str | None) -> str:
    """The variant a letter is written in: the code as given when it names a region, else the one the
    recipient's country (from their time zone) speaks, else the language's default (fr-FR, es-MX)."""
    code = normal_code(language)
    base = base_language(code)
    if code != base or base not in VARIANTS:
        return code
    return _BY_COUNTRY.get(base, {}).get(country or "", DEFAULT_VARIANT[base])


def fallbacks(language: str) -> tuple[str, ...]:
    """The template folders a variant reads, most exact first: fr-BE -> fr-BE, fr, fr-FR (the default)."""
    code = normal_code(language)
    base = base_language(code)
    found = [code, base, DEFAULT_VARIANT.get(base, base)]
    return tuple(dict.fromkeys(found))


def locale_name(language: str) -> str:
    """Babel's (CLDR's) name of a language code: fr-ca -> fr_CA, zh-hant -> zh_Hant."""
    base, _, more = language.partition("-")
    if not more:
        return base.lower()
    return f"{base.lower()}_{more.upper() if len(more) == 2 else more.title()}"
