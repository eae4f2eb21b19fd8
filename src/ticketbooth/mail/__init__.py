"""Mail: templates for the account mails, SMTP delivery and the outbox sender.

Imports only the standard library and ``store.records`` (the outbox protocol).
"""
