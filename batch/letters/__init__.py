"""A follow-up's words: the template rendered, the etiquette checked, the message composed in MIME.

Owns: the templates' Jinja sandbox (`templating`; the stock templates are package data in
batch/templates/<variant>/), day words and each panelist's phrasing (`phrasing`), greetings
(`address`), elision and typography per variant (`typography`), a letter that reads once (`reading`),
words counted and joined (`words`), rendering (`render`), the lint (`lint`), MIME bytes (`mime`) and
the composed message (`compose`). Uses `etiquette`, `ledger` (a check-in threads under its
thank-you), `data`, `model`; sends nothing.
"""
