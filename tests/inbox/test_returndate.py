"""Return dates in the languages people write: English, French, German, Spanish, Portuguese, Italian and
Dutch, with Babel's month and weekday names; the rules for ambiguous dates stay those of English.
An out-of-office in Spanish holds the check-in against dovecot, as the English one does."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from batch.inbox import returndate
from batch.inbox.autoreply import return_date
from tests.inbox.mailbox import Mailbox, mailbox, thanked, work  # noqa: F401  (fixtures)
from tests.inbox.test_replies import NORTHWIND, PANEL, check_ins_sent, mail

WRITTEN = date(2026, 12, 18)  # a Friday before the holidays
BACK, LAST = (date(2027, 1, 5), "back"), (date(2027, 1, 4), "until")

PHRASES = {
    "en": [("I am back on January 5.", BACK), ("Out of the office until 4 January.", LAST),
           ("I return on the 5th.", BACK), ("Away until the 4th; back on the 5th.", BACK)],
    "fr": [("Je reviens au bureau le 5 janvier.", BACK), ("Absente du 21 décembre au lundi 4 janvier.", LAST),
           ("De retour le mardi 5 janv.", BACK)],
    "de": [("Ich bin ab dem 5. Jänner wieder im Büro.", BACK),
           ("Abwesend bis einschließlich 4. Januar.", LAST),
           ("Ab Dienstag, 05.01. wieder erreichbar.", BACK),
           ("Ich bin im Urlaub und am 05.01. wieder im Büro.", BACK),
           ("Ich bin am 5. Jan. wieder da.", BACK), ("Am 5. Januar bin ich zurück.", BACK),
           ("Vom 21.12. bis 4.1. nicht da, ab 5.1. wieder da.", BACK)],
    "es": [("Estaré fuera de la oficina del 21 de diciembre al 4 de enero. Regreso el martes 5 de enero de "
            "2027.", BACK), ("De vacaciones hasta el lunes 4 de enero.", LAST),
           ("Volveré al trabajo el 5 de enero.", BACK), ("Me reincorporo el 5 de enero.", BACK),
           ("Me incorporo el martes 5 de ene.", BACK)],
    "pt": [("Estou ausente até 4 de janeiro.", LAST), ("Estarei de volta em 5 de janeiro.", BACK),
           ("Regresso a 5 de janeiro de 2027.", BACK), ("Retorno no dia terça-feira, 5 de jan.", BACK),
           ("Retornarei em 5 de janeiro.", BACK)],
    "it": [("Sarò assente fino al 4 gennaio (compreso).", LAST), ("Rientro il 5 gennaio.", BACK),
           ("Sarò di nuovo in ufficio dal 5 gennaio.", BACK),
           ("In ferie dal 21 dicembre al 4 gennaio.", LAST), ("Torno il 5 gen.", BACK)],
    "nl": [("Ik ben afwezig tot en met 4 januari.", LAST),
           ("Vanaf dinsdag 5 januari ben ik weer op kantoor.", BACK),
           ("Terug op 5 jan.", BACK), ("Ik ben 5 januari weer op kantoor.", BACK)],
}  # fmt: skip
CASES = [(lang, text, found) for lang, cases in PHRASES.items() for text, found in cases]


@pytest.mark.parametrize(("lang", "text", "found"), CASES, ids=[f"{c[0]}: {c[1][:40]}" for c in CASES])
def test_a_return_date_is_read_in_each_language(lang: str, text: str, found: tuple[date, str]) -> None:
    assert return_date(text, WRITTEN) == found


def test_every_month_name_comes_from_babel_in_every_language() -> None:
    from babel.dates import get_month_names

    months = returndate._words().months
    for locale in returndate.LOCALES:
        for number, name in get_month_names("wide", locale=locale).items():
            assert months[name.lower()] == number, (locale, name)
    assert months["decembre"] == 12 and months["maerz"] == 3  # written without the accent
    assert "out" not in months  # Portuguese October, but an English word first


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("De retour le lundi 12/04.", (date(2027, 4, 12), "back")),  # 12 April is a Monday; 4 Dec a Friday
        ("Back on Thursday 12/8.", (date(2026, 12, 8), "back")),  # no reading on a Thursday: nearest
        ("Back on Tuesday 8/12.", (date(2026, 12, 8), "back")),
    ],
)
def test_a_weekday_before_an_ambiguous_date_picks_the_reading_on_that_day(
    text: str, found: tuple[date, str]
) -> None:
    assert return_date(text, date(2026, 11, 24)) == found


def test_a_joining_word_far_from_its_date_is_no_end_of_absence() -> None:
    assert return_date("Je suis au bureau, et de retour le 5 janvier.", WRITTEN) == BACK
    assert return_date("Al final del día: vuelvo el 5 de enero.", WRITTEN) == BACK


SPANISH = (
    "Gracias por su mensaje. Estaré fuera de la oficina del 30 de noviembre al 7 de diciembre, "
    "sin acceso al correo. Regreso el martes 8 de diciembre de 2026.\r\n"
)


def test_a_spanish_out_of_office_holds_the_check_in_until_the_return(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    raw = mail("Priya Shah <priya.shah@northwind.example>", subject="Respuesta automática: Thank you",
               In_Reply_To=mailbox.thank_you(), Auto_Submitted="auto-replied",
               at=datetime.fromisoformat("2026-11-24T09:15:00-05:00"))  # fmt: skip
    mailbox.put(raw.replace(b"Thanks, Sam. We will be in touch next week.\r\n", SPANISH.encode()))
    mailbox.look()
    mailbox.capsys.readouterr()
    check_in = mailbox.plan()[f"{NORTHWIND}/check-in"]
    assert check_in["state"] == "scheduled"
    assert check_in["due_at"] == "2026-12-08T10:00:00-05:00"
    assert check_in["why"] == "waits for Priya Shah's return on Tue 8 Dec (out-of-office reply)"


HOLIDAYS = "I am away over the holidays with no access to email, and back on January 5. Happy new year!\r\n"


def test_a_check_in_held_past_its_first_expiry_goes_when_they_are_back_with_its_whole_window(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    # due Fri 27 Nov, dropped 14 days later (11 Dec) by itself; Priya is back on Tue 5 Jan
    raw = mail("Priya Shah <priya.shah@northwind.example>", subject="Automatic reply: Thank you",
               In_Reply_To=mailbox.thank_you(), Auto_Submitted="auto-replied")  # fmt: skip
    mailbox.put(raw.replace(b"Thanks, Sam. We will be in touch next week.\r\n", HOLIDAYS.encode()))
    mailbox.look()
    assert mailbox.send()[0] == 0  # Friday: held until she is back, and remembered
    assert PANEL[0] not in check_ins_sent(mailbox.smtp)

    mailbox.shut()  # the mailbox shut: the ledger knows
    check_in = mailbox.plan("2026-12-14T10:00:00-05:00")[f"{NORTHWIND}/check-in"]
    assert check_in["state"] == "scheduled"
    assert check_in["due_at"] == "2027-01-05T10:00:00-05:00"
    assert check_in["deadline"] == "2027-01-19T10:00:00-05:00"  # the whole window moved

    mailbox.look()
    assert mailbox.send("2027-01-05T10:05:00-05:00")[0] == 0
    assert PANEL[0] in check_ins_sent(mailbox.smtp)
