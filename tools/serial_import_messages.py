"""Every sentence the serial import says to its user, in one place: what is wrong with
a file (file_problem_message), with a row (row_problem_messages), or with the import as
a whole (the refusals below), each saying what to do next, in the language of `env`.
Functions taking `env` only to translate (as odoo.tools.format_date); the import reads
them through its batch (stock.lot.import.batch._import_row_problem_messages), where a
module adds the sentences of its own row problems."""

from .serial_import_reader import TEMPLATE_COLUMNS


def row_problem_messages(env):
    """The sentence of each row problem code, translated once per check; a problem's
    params fill it in."""
    _ = env._
    return {
        "empty_serial": _("The serial is empty: fill it in, or remove the row."),
        "no_product": _(
            "The product is empty: fill it in, or choose a default product."
        ),
        "unknown_product": _(
            "No product has the internal reference, barcode or name %(product)s: "
            "check the spelling, or create the product first."
        ),
        "ambiguous_product": _(
            "%(product)s matches several products (%(products)s): write the "
            "internal reference instead."
        ),
        "other_company_product": _(
            "Product %(product)s belongs to another company: switch to that "
            "company to import its serials."
        ),
        "not_serial": _(
            "Product %(product)s is not tracked by serial number: set its "
            'tracking to "By Unique Serial Number" first.'
        ),
        "duplicate": _(
            "Serial %(serial)s appears more than once in the file (first in row "
            "%(row)s): keep one row."
        ),
        "format": _(
            "Serial %(serial)s does not match the serial format of %(product)s "
            "(%(format)s): check the serial."
        ),
        "bad_date": _(
            "The warranty end %(value)s is not a date: write it as %(formats)s, for "
            "example %(example)s."
        ),
        "bad_expiry_date": _(
            "The expiry date %(value)s is not a date: write it as %(formats)s, for "
            "example %(example)s."
        ),
        "unknown_location": _(
            "No internal location is named %(location)s: write its full name, for "
            "example WH/Stock."
        ),
        "ambiguous_location": _(
            "Several internal locations are named %(location)s: write the full "
            "name, for example WH/Stock."
        ),
        "other_company_location": _(
            "Location %(location)s belongs to another company than the serial: "
            "choose a location of the product's company."
        ),
        "not_storable": _(
            "Product %(product)s does not track its inventory: it cannot be "
            'received in stock. Tick "Track Inventory" on the product, or import '
            "without a location."
        ),
        "existing": _("Serial %(serial)s is already registered for %(product)s."),
    }


def limits_message(env, limits):
    """The size a file may have (`limits`: serial_import_reader.Limits)."""
    max_rows, max_megabytes = limits
    rows = f"{max_rows:,}"  # formatted apart: the term extractor evaluates arguments
    return env._(
        "At most %(rows)s rows and %(megabytes)s MB per file.",
        rows=rows,
        megabytes=max_megabytes,
    )


def rows_refused_message(env, check, first_reason):
    return env._(
        "%(count)s of the %(total)s rows cannot be imported (row %(row)s: "
        "%(reason)s) Nothing was imported. Run the dry run to see every "
        "problem and download the error report; then fix the file, or "
        'tick "Import Only the Valid Rows".',
        count=len(check.problems),
        total=check.row_count,
        row=check.problems[0].number,
        reason=first_reason,
    )


def nothing_new_message(env):
    return env._(
        "No new serial to import: every row of the file is already "
        "registered or has a problem. Run the dry run to see why."
    )


def other_company_message(env, allowed):
    return env._(
        "Serials can only be imported into a company you are working "
        "in (%(companies)s). Switch company in the company selector, "
        "or ask an administrator for access to that company.",
        companies=", ".join(allowed.mapped("name")),
    )


def not_internal_location_message(env, location, company):
    return env._(
        "Serials can only be received into an internal location, not "
        "into %(location)s. Choose a stock location of %(company)s.",
        location=location.display_name,
        company=company.name,
    )


def other_company_location_message(env, location, company):
    return env._(
        "%(location)s belongs to another company than %(company)s: choose a stock "
        "location of %(company)s to receive its serials.",
        location=location.display_name,
        company=company.name,
    )


def no_inventory_location_message(env, product):
    return env._(
        "%(product)s has no inventory adjustment location to receive "
        "from: set one on the product (Inventory tab) or its category.",
        product=product.display_name,
    )


def file_problem_message(env, problem):
    """The sentence telling the user what is wrong with the file and what to do, in
    the language of `env`."""
    params = dict(problem.params)
    if "sheets" in params:
        params["sheets"] = ", ".join(params["sheets"])
    known = ", ".join(TEMPLATE_COLUMNS)
    messages = {
        "empty": env._(
            "The file is empty. Choose the file holding the serials; the template "
            "shows the layout."
        ),
        "no_rows": env._(
            "The file has a header but no serials below it. Fill in one row per serial."
        ),
        "xls": env._(
            "Excel 97-2003 workbooks (.xls) cannot be read. Open the file in your "
            "spreadsheet and save it as an Excel Workbook (.xlsx) or as CSV."
        ),
        "extension": env._(
            "Files of type .%(extension)s cannot be imported. Upload a CSV (.csv) "
            "or an Excel workbook (.xlsx); the template is a good start."
        ),
        "xlsx_named_csv": env._(
            "This file is an Excel workbook but its name ends in .%(extension)s. "
            "Rename it to .xlsx, or save it as CSV."
        ),
        "not_text": env._(
            "This file is not a CSV text file (it holds binary data, or UTF-16 "
            'text). Save it again as "CSV UTF-8" or as an Excel workbook (.xlsx).'
        ),
        "corrupt_xlsx": env._(
            "The file cannot be read as an Excel workbook: it is damaged, or it "
            "is not really an .xlsx file. Open it in your spreadsheet and save it "
            "again as .xlsx, or export it as CSV."
        ),
        "unknown_sheet": env._(
            "The workbook has no sheet named %(sheet)s. Its sheets: %(sheets)s."
        ),
        "mixed_encodings": env._(
            "The file mixes text encodings: most of it is UTF-8 but line %(line)s "
            "is not (often rows pasted from another file). Open it in your "
            'spreadsheet and save it again as "CSV UTF-8".'
        ),
        "unclosed_quote": env._(
            'Line %(line)s of the CSV opens a quote (") that is never closed, so '
            "the rest of the file cannot be read. Close the quote, or save the "
            "file again from your spreadsheet."
        ),
        "bad_csv": env._(
            "Line %(line)s of the CSV cannot be read (%(error)s). Check its "
            "quotes, or save the file again from your spreadsheet."
        ),
        "too_many_rows": env._(
            "The file has more than %(limit)s rows, the most one import takes. "
            "Split it into files of at most %(limit)s rows and import them one "
            "after the other."
        ),
        "too_big": env._(
            "The file is %(size)s MB; at most %(limit)s MB can be imported at "
            "once. Split it into smaller files, or save it as .xlsx (smaller than "
            "CSV)."
        ),
        "no_header": env._(
            "The first row of the file must name its columns (%(known)s), but "
            "none of its cells (%(cells)s) is a known column name. Add a header "
            "row or start from the template, or map the columns below."
        ),
        "unknown_columns": env._(
            "The columns %(columns)s are not known. Map each of them to a field "
            'or to "Ignore" in the column mapping, or remove them from the file. '
            "Known columns: %(known)s."
        ),
        "duplicate_columns": env._(
            "Several columns are mapped to %(field)s (%(columns)s): map only one "
            'of them, and the others to "Ignore".'
        ),
        "no_serial_column": env._(
            'No column holds the serials. Name one "Serial", or map it in the '
            "column mapping."
        ),
        "no_product_column": env._(
            'No column holds the products. Name one "Product" (internal reference, '
            "barcode or name), map it in the column mapping, or choose a default "
            "product."
        ),
    }
    if problem.code == "too_many_rows":
        params["limit"] = f"{params['limit']:,}"
    return messages[problem.code] % dict(params, known=known)


# --- a file imported in the background (stock.lot.import.batch's _job concern) -----
def batch_by_import_message(env):
    return env._(
        "An import batch is the record of an import and is written by the import "
        "itself. Use Import Serials, or stock.lot.import.batch.register_serials from "
        "code: they check the rows and write the batch."
    )


def job_killed_message(env, attempts):
    return env._(
        "The import was stopped %(attempts)s times by the server's time limit for "
        "background jobs before it could finish. Nothing was imported. Split the "
        "file into smaller files, or ask your administrator to raise the limit "
        "(limit_time_real_cron), then import it again.",
        attempts=attempts,
    )


def job_interrupted_message(env, cause, count, step):
    """The sentence logged on a batch whose job was interrupted by the
    infrastructure (`cause`: "restart" or "stopped"), its `count`-th interruption,
    resumed at `step` ("reading" or "registering")."""
    causes = {
        "restart": env._("the database server restarted"),
        "stopped": env._(
            "the job's worker or its database connection stopped before the time limit"
        ),
    }
    steps = {
        "reading": env._("reading the file after its last saved part"),
        "registering": env._("registering the serials from the start"),
    }
    return env._(
        "Interruption %(count)s: %(cause)s. Nothing was lost, this does not count "
        "as a failure: the import resumes, %(step)s.",
        count=count,
        cause=causes[cause],
        step=steps[step],
    )


def job_error_message(env):
    return env._(
        "The import stopped on an unexpected error. Nothing was imported. Import the "
        "file again; if it fails again, send the file to your administrator (the "
        "server log tells why)."
    )


def job_done_message(env, batch):
    """(title, sentence) telling the user the queued import is done."""
    return (
        env._("Serial import %(batch)s done", batch=batch.name),
        env._(
            "%(file)s: %(created)s serials registered, %(received)s received in "
            "stock, %(existing)s already registered and %(invalid)s invalid rows "
            "skipped.",
            file=batch.file_name or batch.name,
            created=batch.created_count,
            received=batch.received_count,
            existing=batch.existing_count,
            invalid=batch.invalid_count,
        ),
    )


def job_failed_message(env, batch):
    """(title, sentence) telling the user the queued import failed, and why."""
    return (
        env._("Serial import %(batch)s failed", batch=batch.name),
        env._(
            "%(file)s was not imported: %(reason)s",
            file=batch.file_name or batch.name,
            reason=batch.failure_reason,
        ),
    )
