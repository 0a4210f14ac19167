"""Whose fault a server's refusal is: the account's (stop the batch, every follow-up stays due), the
recipient's (that follow-up fails), or the message's.

One table decides, for every stage of the SMTP exchange: the big providers' own words first (Microsoft's
SendAsDenied, Amazon SES's unverified identity, Gmail's daily limit...), then the enhanced status code
(RFC 3463), then where in the exchange the reply came. The submission server we talk to is our own
provider: a refusal there is about the recipient only when it says so (5.1.x, a full mailbox); a code we
do not know about keeps today's meaning (a 5xx to the message fails that follow-up, a 4xx defers it).

How the ambiguous codes are decided (see the guide's troubleshooting page):
- 5.7.1 "not authorized": at MAIL FROM and after the message it is our provider's policy about the
  sender (Gmail admin rules, iCloud's daily limit), so the account's; at RCPT TO it is the recipient's,
  unless it speaks of relaying or authentication (a login that silently failed).
- 5.2.2 is a full mailbox (the recipient's), except Microsoft's "Submission quota exceeded" (ours).
- 5.2.0 alone is "other mailbox status": with Microsoft's STOREDRV submission words it is the account's.
- 5.3.4 / 5.2.3 (too large) are the message's: that follow-up fails, the others go on.
"""

from __future__ import annotations

import re
from typing import NamedTuple

ACCOUNT, RECIPIENT, MESSAGE = "account", "recipient", "message"
STAGES = ("MAIL", "RCPT", "DATA", "END")  # END: the answer to the message itself

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


class Rule(NamedTuple):
    """One well-known refusal: who sent it, words that identify it, what it means and the fix."""

    provider: str
    pattern: str  # a regular expression, matched case-insensitively against the server's words
    meaning: str
    fix: str
    scope: str = ACCOUNT


# The providers' own words, most specific first. Plain words, never the provider's: the server's text is
# shown beside them.
RULES: tuple[Rule, ...] = (
    Rule("Microsoft 365 / Outlook.com", r"SendAs(Denied)?|5\.2\.252|5\.7\.60\b",
         "this login may not send as the From address",
         "set me: email to the login's own address, or have the admin grant it Send As rights"),
    Rule("Outlook.com", r"OutboundSpamException|WASCL",
         "Outlook.com's anti-spam has held the account (suspended, over its daily quota or wanting a check)",
         "sign in at outlook.com, complete any verification it asks for, then wait a day"),
    Rule("Microsoft 365", r"Submission quota exceeded|5\.1\.90\b|5\.7\.23[23]\b",
         "the mailbox reached its daily sending limit",
         "wait 24 hours; the follow-ups go on the next run after that"),
    Rule("Microsoft 365", r"5\.7\.139|SmtpClientAuthentication is disabled|5\.7\.30\b",
         "SMTP login (or password login over SMTP) is turned off for this mailbox or organisation",
         "ask the admin to turn on Authenticated SMTP for the mailbox, or log in with OAuth2 "
         "(FOLLOWUP_SMTP_OAUTH2_COMMAND)"),
    Rule("Microsoft 365", r"5\.7\.57\b|Client not authenticated",
         "the server did not take the login", "check the login, port 587 and starttls"),
    Rule("Microsoft 365", r"5\.1\.8\b|bad outbound sender|5\.7\.50[123]\b|banned sender|spam abuse",
         "the account is blocked for sending (thought compromised or spamming)",
         "secure the account (change its password) and ask the admin or support to unblock it"),
    Rule("Microsoft 365", r"5\.7\.70[58]\b|5\.7\.750\b|tenant has exceeded",
         "the whole organisation is blocked or over its limit", "ask the admin"),
    Rule("Microsoft 365", r"4\.3\.2\b.*thread limit|sender thread limit",
         "too many connections to the mailbox at once", "let one run send at a time; it is tried again"),
    Rule("Microsoft 365", r"4\.7\.[56]\d\d\b",
         "a temporary hold on the account for unusual activity", "wait; the follow-ups are tried again"),
    Rule("Amazon SES", r"address is not verified|identities failed the check",
         "the From address (or, in the sandbox, the recipient) is not verified in this SES region",
         "verify the address or domain in the SES console for that region, or leave the sandbox"),
    Rule("Amazon SES", r"Sending paused|Account is paused",
         "SES has paused sending for the account", "fix what the SES console reports, then appeal there"),
    Rule("Amazon SES", r"Throttling failure|Maximum sending rate|Daily message quota",
         "the account's sending rate or daily quota is used up", "wait, or ask AWS for a higher quota"),
    Rule("Gmail", r"Daily user sending (limit|quota)|5\.4\.5\b|relay limit exceeded",
         "the account reached its daily sending limit (counted over a rolling 24 hours)",
         "wait a day; the follow-ups go on a later run"),
    Rule("Gmail", r"5\.7\.9\b|Application-specific password|InvalidSecondFactor",
         "an app password is wanted, not the account's own password",
         "turn on 2-Step Verification, make an app password and put it in FOLLOWUP_SMTP_PASSWORD_FILE"),
    Rule("Gmail", r"5\.7\.14\b|WebLoginRequired|log in via your web browser",
         "Google wants you to sign in on the web first", "sign in at gmail.com, confirm it was you, retry"),
    Rule("Gmail", r"unusual rate of unsolicited|Too many login attempts",
         "Google has slowed the account down for now", "wait an hour or two; it is tried again"),
    Rule("Gmail (Workspace)", r"\bgcdp\b",
         "a rule set by your Workspace admin refused the message", "ask your Workspace admin"),
    Rule("iCloud", r"not one of your addresses",
         "the From address is not one of this Apple account's addresses",
         "set me: email to your iCloud address (or an iCloud+ custom-domain address of this account)"),
    Rule("iCloud", r"exceeded your daily sending limit",
         "the account reached its daily sending limit", "wait a day; the follow-ups go on a later run"),
    Rule("Yahoo / AOL", r"#AUTH005",
         "the password was refused (or too many tries)", "make an app password; wait 15-30 minutes"),
    Rule("any", r"Must issue a STARTTLS|5\.7\.11\b|Encryption required",
         "the server wants an encrypted connection before the login", "set FOLLOWUP_SMTP_SECURITY"),
    Rule("any", r"5\.7\.8\b|5\.7\.3\b|Authentication (credentials invalid|unsuccessful)",
         "the login was refused", "check FOLLOWUP_SMTP_USER and the password or token"),
    Rule("any", r"\b5\.7\.0\b.*Authentication required|Authentication required",
         "the server wants a login", "set FOLLOWUP_SMTP_USER and a password or an OAuth2 command"),
    Rule("any", r"\b(5\.3\.4|5\.2\.3)\b|message size|too (big|large)",
         "the message is too large for the server", "make the letter shorter", MESSAGE),
)  # fmt: skip

# Enhanced status codes that are about the recipient, whatever the stage.
_RECIPIENT_CODES = re.compile(r"^[45]\.(1\.(1|2|3|6|10)|2\.(1|2)|4\.4)$")
# Enhanced status codes that are about our account or our sending, whatever the stage.
_ACCOUNT_CODES = re.compile(r"^[45]\.(7\.(8|9|11|14|30|57|139)|1\.(7|8)|4\.5)$")


class Verdict(NamedTuple):
    """Whose refusal it is, and in plain words what it means and how to fix it."""

    scope: str  # ACCOUNT | RECIPIENT | MESSAGE
    meaning: str
    fix: str
    provider: str = ""

    def line(self) -> str:
        """What it means and the fix, for one line of output."""
        by = f"{self.provider}: " if self.provider and self.provider != "any" else ""
        return f"{by}{self.meaning}; fix: {self.fix}"


def enhanced_code(text: str) -> str | None:
    """The first enhanced status code (like 5.7.1) in a server's words, if any."""
    found = _ENHANCED.search(text)
    return found.group(0) if found else None


def known_rule(text: str) -> Rule | None:
    """The well-known refusal these words are, if one."""
    for rule in RULES:
        if re.search(rule.pattern, text, re.IGNORECASE):
            return rule
    return None


def judge(stage: str, code: int, text: str) -> Verdict:
    """Whose refusal a 4xx/5xx reply at this stage (MAIL, RCPT, DATA, END) is."""
    rule = known_rule(text)
    enhanced = enhanced_code(text) or ""
    if enhanced == "5.2.2" and rule is None:
        return Verdict(RECIPIENT, "the recipient's mailbox is full", "try again later or write another way")
    if rule is not None:
        return Verdict(rule.scope, rule.meaning, rule.fix, rule.provider)
    if code in (530, 534, 535, 538):
        return Verdict(ACCOUNT, "the server refused the login", "check the login and its password or token")
    if _RECIPIENT_CODES.match(enhanced) or (enhanced == "5.5.0" and stage == "RCPT"):
        return Verdict(RECIPIENT, "the server refused this recipient", "check the interviewer's address")
    if _ACCOUNT_CODES.match(enhanced) or (stage == "MAIL" and code >= 500):
        return Verdict(ACCOUNT, "the server refuses mail from this account", "check the login and me: email")
    if enhanced.endswith(".7.1") or enhanced == "5.7.1":
        return _not_authorized(stage, text)
    if enhanced.startswith(("4.", "5.")) and enhanced[2] in "3":  # X.3.x: the server's own system
        return Verdict(MESSAGE, "the server could not take the message", "it is tried again when temporary")
    scope = RECIPIENT if stage == "RCPT" else MESSAGE
    return Verdict(scope, "the server refused the message", "see the server's words")


def _not_authorized(stage: str, text: str) -> Verdict:
    """5.7.1: our provider's policy about the sender, or the recipient's (see the module's note)."""
    if stage != "RCPT" or re.search(r"relay|authenticat", text, re.IGNORECASE):
        return Verdict(ACCOUNT, "the server will not take mail from this account as it is",
                       "check the login and me: email; the server's words say more")  # fmt: skip
    return Verdict(RECIPIENT, "the recipient's side does not accept this mail", "check the address")


def explain_refusal(code: int, text: str, stage: str = "END") -> str:
    """A refusal's meaning and fix in plain words (doctor's and the guide's wording)."""
    return judge(stage, code, text).line()
