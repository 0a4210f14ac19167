"""`followup check` warns of a name of three words or more without `greeting:`, in every variant, at the
name's line, with a suggestion that reads well in that variant."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batch.cli.main import main
from tests.letters.test_letters import DATA, PERSON

NOW = "2026-05-12T09:00-04:00"  # the morning of the interview: its thank-you is still to go
# variant → (the greeting the letter says, the suggestion check gives)
SUGGESTED = {
    "en": ("Dear Mary Ann Smith,", 'greeting: "Dear Mary Ann,"'),
    "fr-FR": ("Bonjour Mary Ann Smith,", 'greeting: "Bonjour Madame Smith," or "Bonjour Monsieur Smith,"'),
    "fr-CA": ("Bonjour Mary Ann Smith,", 'greeting: "Bonjour Mary Ann,"'),
    "es-MX": ("Buen día, Mary Ann Smith:", 'greeting: "Estimada Sra. Smith:" or "Estimado Sr. Smith:"'),
    "es-ES": ("Buenos días, Mary Ann Smith:", 'greeting: "Estimada Sra. Smith:" or "Estimado Sr. Smith:"'),
}


def data_file(folder: Path, language: str, name: str, greeting: str | None = None) -> tuple[Path, int]:
    """The made-up interview in that variant with one interviewer of that name; its file, the name's line."""
    person = PERSON.format(name=name, email="mary@lakeside.example", topics="x")
    if greeting is not None:
        person += f'        greeting: "{greeting}"\n'
    text = DATA.format(language=language, me_language=language, people=person).replace(
        "topics: [x]", "topics: []"
    )
    path = folder / "interviews.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(n for n, said in enumerate(text.splitlines(), 1) if f"name: {name}" in said)
    return path, line


@pytest.mark.parametrize("language", sorted(SUGGESTED))
def test_check_warns_of_a_three_word_name_at_its_line_with_a_suggestion_in_the_variant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    path, line = data_file(tmp_path, language, "Mary Ann Smith")
    assert main(["--data", str(path), "--now", NOW, "check"]) == 0  # a warning, never a refusal
    said = capsys.readouterr()
    warned = [row for row in (said.out + said.err).splitlines() if "family name" in row]
    greets, suggestion = SUGGESTED[language]
    assert len(warned) == 1, warned  # once, not once per follow-up
    assert re.match(rf"^{re.escape(str(path))}:{line}:\d+: warning: ", warned[0]), warned[0]
    reads = "name: 'Mary Ann Smith' does not say which words are the family name, so the letter greets "
    assert f"{reads}'{greets}'; say it with greeting: (e.g. {suggestion})" in warned[0]


@pytest.mark.parametrize("language", sorted(SUGGESTED))
def test_a_greeting_of_ones_own_silences_the_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    path, _ = data_file(tmp_path, language, "Mary Ann Smith", greeting="Dear Mary Ann,")
    assert main(["--data", str(path), "--now", NOW, "check"]) == 0
    said = capsys.readouterr()
    assert "family name" not in said.out + said.err


# A title the variant leaves out → (the name, the greeting the letter says, the suggestion check gives)
LEFT_OUT = {
    "fr-FR": (
        "Dr. Hélène Dubois",
        "Bonjour Hélène Dubois,",
        '"Bonjour Madame Dubois," or "Bonjour Monsieur Dubois,"',
    ),
    "fr-CA": ("Prof. Jean Roy", "Bonjour Jean,", '"Bonjour Madame Roy," or "Bonjour Monsieur Roy,"'),
    "es-ES": ("Lic. Ana López", "Buenos días, Ana López:", '"Estimada Sra. López:" or "Estimado Sr. López:"'),
}


@pytest.mark.parametrize("language", sorted(LEFT_OUT))
def test_check_warns_of_a_title_the_language_leaves_out_at_the_names_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    name, greets, suggestion = LEFT_OUT[language]
    path, line = data_file(tmp_path, language, name)
    assert main(["--data", str(path), "--now", NOW, "check"]) == 0  # a warning, never a refusal
    said = capsys.readouterr()
    warned = [row for row in (said.out + said.err).splitlines() if "leaves out" in row]
    assert len(warned) == 1, said.out + said.err
    assert re.match(rf"^{re.escape(str(path))}:{line}:\d+: warning: ", warned[0]), warned[0]
    assert (
        f"so the letter greets '{greets}'; say it with greeting: (e.g. greeting: {suggestion})" in warned[0]
    )


def test_a_title_the_language_says_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = data_file(tmp_path, "fr-FR", "Mme Claire Lefèvre")
    assert main(["--data", str(path), "--now", NOW, "check"]) == 0
    said = capsys.readouterr()
    assert "greeting:" not in said.out + said.err
