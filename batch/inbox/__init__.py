"""The user's mailbox over IMAP: replies that stop check-ins, bounces, auto-replies, and Sent copies.

Owns: the connection and login (`imap`, `login`), the answers read in every form (`responses`),
replies read into the ledger (`replies`), bounces while a thank-you can still go (`bounces`, and
`watch`, light enough for the idle path), auto-replies and their return dates (`autoreply`,
`returndate`) and the Sent copy, once (`sentcopy`). Uses `account`, `ledger`, `etiquette`, `data`,
`model`; never the SMTP side.
"""
