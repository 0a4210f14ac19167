"""How follow-up keys name a recipient: one comparable form of an address, whatever its spelling."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from batch.model.keys import address_key


def spelled_by_the_codec(address: str) -> str:
    """The address's key as Python's idna codec gives it, for every domain (the slow way, as before)."""
    local, _, domain = address.strip().rpartition("@")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}".lower() if local else address.strip().lower()


LABEL = st.text(alphabet=st.sampled_from("abcxyz019-ÄéßüΩ"), max_size=70)


@given(local=st.text(alphabet=st.sampled_from("aZ.+_-9"), min_size=0, max_size=8),
       labels=st.lists(LABEL, min_size=1, max_size=4))  # fmt: skip
def test_an_address_key_is_the_codecs_spelling_whether_or_not_the_domain_is_ascii(
    local: str, labels: list[str]
) -> None:
    address = f"{local}@{'.'.join(labels)}"
    assert address_key(address) == spelled_by_the_codec(address)


def test_an_international_domain_is_keyed_by_its_ascii_form() -> None:
    assert address_key("Jürgen@Bücher.Example") == "jürgen@xn--bcher-kva.example"
    assert address_key("ana@EXAMPLE.com") == "ana@example.com"
