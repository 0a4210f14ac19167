"""The user's mail account: SMTP and IMAP settings from the environment, and the words both servers share.

Owns: settings and secrets files (`settings`), login forms, reply cleaning and explanations of what a
server says (`wire`). Below both `mail` (sending) and `inbox` (reading), so neither knows the other's
protocol. Uses only `batch.errors`; opens no connection.
"""
