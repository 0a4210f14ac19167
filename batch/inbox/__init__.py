"""The user's mailbox over IMAP: replies that stop check-ins, bounces, auto-replies, and Sent copies.

Owns: the IMAP connection (`imap`), reading replies and bounces into the ledger (`replies`), telling an
auto-reply from a person (`autoreply`) and filing copies in the Sent folder (`sentcopy`). Uses
`account`, `ledger`, `etiquette`, `data`, `model`; never the SMTP side.
"""
