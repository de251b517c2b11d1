"""A file's cells as the serial import reads them: the text a user typed (cell_text),
and dates in ISO or in the user's language (parse_date, date_hint). Pure helpers; the
two taking `env` only read the user's language to format (as odoo.tools.format_date)."""

import re
from datetime import date, datetime

from odoo.tools.misc import get_lang

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%d %H:%M:%S"
DATE_EXAMPLE = date(2027, 12, 31)
# strftime directives of a res.lang date format, as a person writes them
DATE_DIRECTIVES = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY", "%b": "MMM"}


def cell_text(value):
    """A cell as the text a user typed: whole numbers without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    return str(value).strip()


def user_date_format(env):
    """The date format of the user's language (res.lang), as strptime reads it: the
    user's own even where the request's context says another language (a queued
    import runs in the background); the context's, or the company's, when the user's
    language is not active."""
    return (
        env["res.lang"]._get_data(code=env.user.lang).date_format
        or get_lang(env).date_format
    )


def date_formats(env):
    """The formats a date cell may be written in: ISO first, then the user's."""
    return [ISO_DATE, ISO_DATETIME, user_date_format(env)]


def date_hint(env):
    """The dates a row may hold, for the user's messages: {"formats": "DD/MM/YYYY or
    YYYY-MM-DD", "example": "31/12/2027"} (the user's language first)."""
    date_format = user_date_format(env)
    language = readable_date_format(date_format)
    return {
        "formats": language
        if language == "YYYY-MM-DD"
        else env._("%(language)s or %(iso)s", language=language, iso="YYYY-MM-DD"),
        "example": DATE_EXAMPLE.strftime(date_format),
    }


def readable_date_format(date_format):
    """A strftime date format as a person writes it: "%d/%m/%Y" -> "DD/MM/YYYY"."""
    return re.sub(
        r"%.", lambda match: DATE_DIRECTIVES.get(match[0], match[0]), date_format
    )


def parse_date(value, formats):
    """A cell's date: None for an empty cell, False for a value that is not a date in
    one of `formats` (strptime formats)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for date_format in formats:
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return False
