"""SAMAWA (Semua Data untuk Warga): datasets, signed OPD tokens, submissions, review and publication."""


class SamawaError(ValueError):
    """An input SAMAWA refuses (unknown dataset, invalid schema, ...): the message is for whoever sent it."""
