"""A serial's text as the database can hold it, whoever typed it (a till, a count, an
import)."""


def clean_serial(serial):
    """A serial as the database can hold it: PostgreSQL text holds no NUL character
    and no lone UTF-16 surrogate (a browser's JSON can carry both); each becomes
    U+FFFD, so what was typed stays visible and matches no registered serial."""
    if not isinstance(serial, str):
        return serial
    return "".join(
        "\ufffd" if char == "\x00" or "\ud800" <= char <= "\udfff" else char
        for char in serial
    )
