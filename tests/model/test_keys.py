"""How follow-up keys name a recipient: one comparable form of an address, whatever its spelling: the
form mail goes to (IDNA 2008), the one every comparison of addresses uses."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from batch.model.keys import address_key, company_key


def sent_to(address: str) -> str | None:
    """The domain mail goes to for this address, as mime sends it (email-validator: IDNA 2008, UTS 46);
    None when it is no valid internationalised name (the loader refuses those)."""
    domain = address.strip().rpartition("@")[2]
    try:
        found = validate_email(f"x@{domain}", check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return None
    return str(found.ascii_domain)


LABEL = st.text(alphabet=st.sampled_from("abcxyz019-ÄéßüΩ"), min_size=1, max_size=20)


@given(local=st.text(alphabet=st.sampled_from("aZ.+_-9"), min_size=1, max_size=8),
       labels=st.lists(LABEL, min_size=1, max_size=4))  # fmt: skip
def test_an_address_key_is_the_form_mail_goes_to_in_unicode_or_punycode(
    local: str, labels: list[str]
) -> None:
    address = f"{local}@{'.'.join(labels)}"
    domain = sent_to(address)
    if domain is None:
        return
    assert address_key(address) == f"{local}@{domain}".lower()
    assert address_key(f"{local.upper()}@{domain.upper()}") == address_key(address)  # its punycode, shouted


def test_idna_2008_keeps_the_sharp_s_where_idna_2003_made_it_ss() -> None:
    assert address_key("ann@straße.example") == "ann@xn--strae-oqa.example"
    assert address_key("ann@XN--STRAE-OQA.example") == "ann@xn--strae-oqa.example"
    assert address_key("ann@straße.example") != address_key("ann@strasse.example")


def test_an_international_domain_is_keyed_by_its_ascii_form() -> None:
    assert address_key("Jürgen@Bücher.Example") == "jürgen@xn--bcher-kva.example"
    assert address_key("ana@EXAMPLE.com") == "ana@example.com"


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("Acme", "Acme Corp", True),
        ("Acme", "ACME, Inc.", True),
        ("Acme", "acme corporation", True),
        ("Àcme", "Acme S.A.", True),
        ("Acme", "Acme S.A. de C.V.", True),
        ("Acme Holdings Co., Ltd.", "acme holdings", True),
        ("Smith & Sons", "Smith and Sons Ltd", True),
        ("Acme", "Acme Labs", False),
        ("Acme", "Acne", False),
        ("Inc", "Corp", False),  # a name that is only a suffix keeps it
    ],
)
def test_a_company_compares_with_case_accents_punctuation_and_legal_suffix_aside(
    one: str, other: str, same: bool
) -> None:
    assert (company_key(one) == company_key(other)) is same
