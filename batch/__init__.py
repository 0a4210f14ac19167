"""Follow Up: interview follow-ups, due by the etiquette, delivered exactly once.

The packages follow the data flow, each on its own floor; a package may import only those below it
(the import-linter contracts in pyproject.toml keep this, and ARCHITECTURE.md draws it):

    cli                   the edge: arguments, clock, environment, terminal, exit codes
    views | site          what people read: plan table, preview, calendar, doctor | the guide's hook
    mail                  delivering what is due: SMTP, the composer ahead, the send loop
    letters | inbox       a follow-up's words and MIME | the mailbox: replies, bounces, Sent copies
    etiquette | ledger    when each follow-up is due | what was delivered (SQLite)
    data                  reading and checking the user's YAML
    model | account       the domain's records | the mail account's settings and wire words
    errors                the one base exception
"""
