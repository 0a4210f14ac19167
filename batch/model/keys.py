"""Identity: the key of each follow-up, and the rules that decide whether an edited person is the same one.

The ledger keys each delivery on `interview/kind/handle`. People are edited: a name corrected, an
address fixed after a bounce, a panel reordered. These rules map today's data onto what the ledger
already holds, so that an edit never sends a second thank-you and a new person is never silently
taken for an old one:

- the same address is the same person;
- the same name (accents and case aside) is the same person, unless the person the ledger knows by
  that name is still on the panel under their own key: two people present are two people;
- a thank-you that failed or was deferred to an address the user has since corrected is superseded,
  and the new address gets it;
- when a thanked person has left the panel and an unknown one has appeared, the newcomer is held
  until the user says (`new_person: true`) that it is someone else;
- an interview whose company and start both differ from the ledger's is another interview reusing
  the id: its follow-ups are held (a company compares with accents, case, punctuation and a legal
  suffix aside: company_key).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from batch.model.interview import Interview, Interviewer

# Ledger states that mean "it went, or may have gone": never sent again by itself.
DELIVERED = ("sending", "sent", "uncertain", "replied", "bounced")
# Ledger states after which a corrected address may be tried.
RETRIABLE = ("failed", "deferred", "bounced")


def handle(person: Interviewer) -> str:
    """Who a follow-up goes to, as its key names them: the email, else the name as a slug."""
    if person.email:
        return address_key(person.email)
    return re.sub(r"[\W_]+", "-", person.name.casefold()).strip("-") or person.name


def follow_up_key(interview_id: str, kind: str, person: Interviewer) -> str:
    """The stable key of a follow-up: the ledger keys on it, so it never depends on order."""
    if kind == "check-in":
        return check_in_key(interview_id)
    return f"{interview_id}/{kind}/{handle(person)}"


def check_in_key(interview_id: str) -> str:
    """One check-in per interview: reordering the panel must not start a second one."""
    return f"{interview_id}/check-in"


def address_key(address: str) -> str:
    """An address in the form mail goes to, the one every comparison of addresses uses: lower case (the
    local part too: no provider tells Ann from ann), the domain in its ASCII form by IDNA 2008 (UTS 46),
    as email-validator gives it and mime sends to, so bücher.example and xn--bcher-kva.example are one."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip().lower()
    if not domain.isascii():  # an ASCII domain is its own ASCII form (and no import on the idle run)
        domain = _ascii_domain(domain)
    return f"{local}@{domain}".lower()


@functools.lru_cache(maxsize=256)
def _ascii_domain(domain: str) -> str:
    # late: email-validator loads idna; only a non-ASCII domain needs it. Python's own 'idna' codec is
    # IDNA 2003, which names some domains otherwise (straße.example → strasse.example, not xn--strae-oqa)
    from email_validator import EmailNotValidError, validate_email

    try:
        found = validate_email(f"x@{domain}", check_deliverability=False, test_environment=True)
    except EmailNotValidError:  # not a valid IDN (the loader refuses those): compared as written
        return domain
    return str(found.ascii_domain)


def name_key(name: str) -> str:
    """A name in one comparable form: accents, case and spacing aside (Zoë Adams = zoe  adams)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


# Words that say what kind of company it is, not which: dropped from the end of a name before comparing
# (Acme, Acme Corp and ACME, Inc. are one company). Dots are gone by then (S.A. is sa).
_SUFFIXES = (
    "inc incorporated corp corporation co company cos ltd limited llc llp lp plc pllc ulc pc gmbh mbh "
    "ag kg kgaa ug ohg se sa sas sasu sarl sca snc sl slu srl spa bv nv vof ab as asa aps oy oyj pty kk "
    "ltda lda cv rl de s sapi sab sc gie eurl"  # s: the S. of S. de R.L.
)
LEGAL_SUFFIXES = frozenset(_SUFFIXES.split())


def company_key(company: str) -> str:
    """A company's name in one comparable form: accents, case, punctuation and legal suffixes aside."""
    bare = name_key(company).replace("&", " and ")
    bare = bare.replace(".", "")  # S.A. -> SA, A.C.M.E. -> ACME
    words = re.sub(r"[\W_]+", " ", bare).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


class Delivery(NamedTuple):  # a NamedTuple, as every record of the idle cron path (see errors.Problem)
    """What the plan needs of one ledger row."""

    key: str
    state: str
    interview: str = ""
    kind: str = ""
    method: str = ""
    recipient: str = ""
    name: str = ""
    company: str = ""
    start: str = ""  # the interview's start as YYYY-MM-DD HH:MM, where the ledger knows it


class Known:  # a plain class, not a dataclass: dataclasses stays off the idle cron path (errors.Problem)
    """The ledger as the plan reads it: rows by key and by interview, and fixed check-in recipients."""

    __slots__ = ("away", "by_interview", "by_key", "by_start", "check_in_to")

    def __init__(
        self,
        by_key: dict[str, Delivery] | None = None,
        by_interview: dict[str, list[Delivery]] | None = None,
        check_in_to: dict[str, tuple[str, str]] | None = None,  # interview -> (name, email)
        away: dict[str, tuple[str, str]] | None = None,  # interview -> (check-in's new due, why)
    ) -> None:
        self.by_key: dict[str, Delivery] = {} if by_key is None else by_key
        self.by_interview: dict[str, list[Delivery]] = {} if by_interview is None else by_interview
        self.check_in_to: dict[str, tuple[str, str]] = {} if check_in_to is None else check_in_to
        # a check-in an out-of-office moved: the whole window moves, remembered past the old expiry
        self.away: dict[str, tuple[str, str]] = {} if away is None else away
        # rows by their interview's start (YYYY-MM-DD HH:MM): the same interview under another id (twins.py)
        self.by_start: dict[str, list[Delivery]] = {}
        for row in self.by_key.values():
            if row.start:
                self.by_start.setdefault(row.start[:16], []).append(row)

    def __eq__(self, other: object) -> bool:  # as the dataclass it was: the same rows and recipients
        return self._values() == other._values() if isinstance(other, Known) else NotImplemented

    def __repr__(self) -> str:
        by_key, by_interview, check_in_to = self._values()
        return f"Known({by_key=}, {by_interview=}, {check_in_to=})"

    def _values(self) -> tuple[object, ...]:
        return self.by_key, self.by_interview, self.check_in_to

    def __bool__(self) -> bool:
        return bool(self.by_key or self.check_in_to or self.away)

    def __contains__(self, key: object) -> bool:
        return key in self.by_key

    def __getitem__(self, key: str) -> str:
        return self.by_key[key].state

    def get(self, key: str, default: str | None = None) -> str | None:
        """The ledger's state for a key, or the default."""
        row = self.by_key.get(key)
        return default if row is None else row.state

    def add(self, row: Delivery) -> None:
        """Index one row."""
        self.by_key[row.key] = row
        self.by_interview.setdefault(row.interview, []).append(row)
        if row.start:
            self.by_start.setdefault(row.start[:16], []).append(row)

    def with_states(self, states: Mapping[str, str]) -> Known:
        """A copy in which these keys have these states (rows added where the ledger has none)."""
        copy = Known(check_in_to=dict(self.check_in_to), away=dict(self.away))
        for row in self.by_key.values():
            if row.key not in states:
                copy.add(row)
        for key, state in states.items():
            known = self.by_key.get(key)
            copy.add(_bare(key, state) if known is None else known._replace(state=state))
        return copy


def own_address(address: str, mine: str) -> bool:
    """Whether an address is yours: your own, or a plus-address of it (you+1@…), as a test send to
    yourself uses (two interviewers may not share one address, so a test gives each a tag of its own)."""
    if not (address and mine):
        return False
    local, _, domain = address_key(address).rpartition("@")
    my_local, _, my_domain = address_key(mine).rpartition("@")
    return domain == my_domain and local.partition("+")[0] == my_local.partition("+")[0]


def is_self_test(interviews: Iterable[Interview], mine: str) -> bool:
    """Whether every email of the data goes to you: a copy of your data for trying the letters on yourself."""
    emails = [p.email for i in interviews for p in i.interviewers if p.email]
    return bool(emails) and all(own_address(email, mine) for email in emails)


def apart_from_own(known: Known, interviews: Iterable[Interview], mine: str) -> Known:
    """The ledger as real data sees it: a delivery to your own address (a test sent to yourself) stands
    only for a follow-up to that address, never for an interviewer of the same name or interview, so a
    test run on the real ledger never makes a real thank-you or check-in read as sent."""
    interviews = list(interviews)
    if not mine or is_self_test(interviews, mine):
        return known
    own = {r.key for r in known.by_key.values() if r.method == "email" and own_address(r.recipient, mine)}
    if not own:
        return known
    kept = Known(check_in_to=dict(known.check_in_to), away=dict(known.away))
    for row in known.by_key.values():
        if row.key not in own:
            kept.add(row)
        elif row.kind != "check-in":  # its key names your address: only a follow-up to you has it
            kept.by_key[row.key] = row
    kept.check_in_to = {i: who for i, who in kept.check_in_to.items() if not own_address(who[1], mine)}
    return kept


def _bare(key: str, state: str) -> Delivery:
    """A row known only by its key and state: the interview and kind read off the key."""
    interview, _, rest = key.partition("/")
    return Delivery(key, state, interview, rest.partition("/")[0])


def known_from(delivered: Known | Mapping[str, str] | None) -> Known:
    """A Known from the ledger's, or from a plain {key: state} (tests, and ledgers read elsewhere)."""
    if isinstance(delivered, Known):
        return delivered
    known = Known()
    for key, state in (delivered or {}).items():
        known.add(_bare(key, state))
    return known


class Match(NamedTuple):
    """How one of today's follow-ups stands against the ledger."""

    state: str | None = None  # the ledger's state for it, if the ledger knows it
    supersedes: str | None = None  # an earlier key whose delivery failed to an address since corrected
    held: str | None = None  # why it waits for the user's word, if it does


def interview_conflict(interview: Interview, known: Known) -> str | None:
    """Why the ledger's rows under this id look like another interview, or None."""
    here_company, here_start = company_key(interview.company), f"{interview.start:%Y-%m-%d}"
    for row in known.by_interview.get(interview.id, ()):
        if not row.company:
            continue  # a row from before the ledger kept them
        if company_key(row.company) != here_company and row.start[:10] != here_start:
            return (
                f"the ledger's {row.kind} under id {interview.id!r} was for {row.company} on "
                f"{row.start[:10]}, this is {interview.company} on {here_start}: give this interview an id "
                "of its own"
            )
    return None


def match_thank_yous(
    interview: Interview, people: Iterable[tuple[str, Interviewer]], known: Known
) -> dict[str, Match]:
    """Each thank-you (key, person) of one interview matched to the ledger by the rules above."""
    people = list(people)
    rows = [r for r in known.by_interview.get(interview.id, ()) if r.kind == "thank-you"]
    if not rows:
        return {}
    present_keys = {key for key, _ in people}
    present_addresses = {address_key(p.email) for _, p in people if p.email}
    claimed: set[str] = set()
    found: dict[str, Match] = {}
    for key, person in people:
        row = _same_person(key, person, rows, known, present_keys, present_addresses)
        if row is None:
            continue
        claimed.add(row.key)
        if row.key != key and row.state in RETRIABLE and _moved(row, person):
            found[key] = Match(supersedes=row.key)  # the address was corrected after it failed
            continue
        found[key] = Match(state=row.state)
    orphans = [r for r in rows if r.key not in claimed and r.key not in present_keys and r.state in DELIVERED]
    if orphans:
        gone = ", ".join(sorted({r.name for r in orphans}))
        for key, person in people:
            if key not in found and not person.new_person:
                found[key] = Match(
                    held=(
                        f"{gone} was thanked for this interview and is no longer listed: if {person.name} "
                        f"is someone else, add new_person: true under them"
                    )
                )
    return found


def _moved(row: Delivery, person: Interviewer) -> bool:
    """Whether the person's address is not the one the ledger's delivery went to."""
    if not (row.recipient and person.email):
        return False
    return address_key(row.recipient) != address_key(person.email)


def _same_person(
    key: str,
    person: Interviewer,
    rows: list[Delivery],
    known: Known,
    present_keys: set[str],
    present_addresses: set[str],
) -> Delivery | None:
    exact = known.by_key.get(key)
    if exact is not None:
        return exact
    if person.new_person:
        return None
    if person.email:
        address = address_key(person.email)
        for row in rows:
            if row.method == "email" and row.recipient and address_key(row.recipient) == address:
                return row
    name = name_key(person.name)
    for row in rows:
        if name_key(row.name) != name or row.key in present_keys:
            continue  # the row's own person is still on the panel: two people
        if row.method == "email" and row.recipient and address_key(row.recipient) in present_addresses:
            continue
        return row
    return None


def check_in_person(interview: Interview, known: Known) -> Interviewer:
    """Who the check-in goes to: the one marked check_in: true, else whoever it was fixed to once the
    thank-yous went out, else the first interviewer listed."""
    people = interview.interviewers
    marked = [p for p in people if p.check_in]
    if marked:
        return marked[0]
    fixed = known.check_in_to.get(interview.id)
    if fixed is not None:
        name, email = fixed
        for person in people:
            if (email and person.email and address_key(person.email) == address_key(email)) or (
                name_key(person.name) == name_key(name)
            ):
                return person
    return people[0]
