from datetime import datetime, time, timedelta
from typing import NamedTuple

import pytz

from odoo import _, api, models
from odoo.tools import SQL, format_date, format_datetime, formatLang

LOSS_EVENTS = ("marked_lost", "marked_stolen", "found", "blocked_sale")
RECOVERIES_SHOWN = 100  # the recoveries listed, latest first; the figures cover all


class LossRow(NamedTuple):
    """One row of a breakdown: its label and the events of each kind."""

    label: str
    lost: int
    stolen: int
    found: int
    blocked: int


class Recovery(NamedTuple):
    """A unit found in the period, with the loss it was found from."""

    serial: str
    product: str
    loss: str  # lost or stolen
    lost_on: str
    found_on: str
    days: str


class LossReport(NamedTuple):
    """What the loss prevention report says about one period."""

    date_from: str
    date_to: str
    period_unit: str
    totals: LossRow
    by_period: list
    by_location: list
    by_prefix: list
    by_till: list
    recovered: int
    average_days: str
    median_days: str
    longest_days: str
    recoveries: list
    still_missing: int


class ReportSerialLoss(models.AbstractModel):
    """The loss prevention report (report/serial_loss_templates.xml): units marked
    lost, stolen and found, and the sale attempts the tills blocked, from the audit
    lines of a period (serial.loss.report), by period, location, serial prefix and
    till, with the time from loss to recovery, in the user's language and time zone.
    The location is the one the event records, else the unit's last known location."""

    _name = "report.pos_serial_tracking.report_serial_loss"
    _inherit = "serial.compliance.report"
    _description = "Loss Prevention Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        self._check_report_printer(
            _(
                "Only Serial Managers and Serial Auditors can print the loss "
                "prevention report."
            ),
        )
        self.env["serial.audit.line"].check_access("read")
        wizards = self.env["serial.loss.report"].browse(docids)
        printed = self._report_printing_values()
        tz = printed["timezone"]
        return {
            "doc_ids": docids,
            "doc_model": "serial.loss.report",
            "docs": wizards,
            "reports": [
                self._loss_report(wizard.date_from, wizard.date_to, tz)
                for wizard in wizards
            ],
            "companies": ", ".join(self.env.companies.mapped("name")),
            **printed,
        }

    @api.model
    def _loss_report(self, date_from, date_to, tz):
        """The LossReport of the days `date_from` to `date_to` (included) in the time
        zone `tz`, over the companies of the context."""
        zone = pytz.timezone(tz)
        start, end = (
            zone.localize(datetime.combine(day, time.min))
            .astimezone(pytz.UTC)
            .replace(tzinfo=None)
            for day in (date_from, date_to + timedelta(days=1))
        )
        scope = SQL(
            "line.company_id = ANY(%s) AND line.date >= %s AND line.date < %s",
            self.env.companies.ids,
            start,
            end,
        )
        unit = "day" if (date_to - date_from).days <= 31 else "month"
        periods = self._breakdown(
            scope,
            SQL(
                "date_trunc(%s, line.date AT TIME ZONE 'UTC' AT TIME ZONE %s)::date",
                unit,
                tz,
            ),
        )
        locations = self._breakdown(
            scope,
            SQL("COALESCE(line.location_dest_id, line.location_id, lot.location_id)"),
        )
        tills = self._breakdown(scope, SQL("line.pos_config_id"))
        # names of our own companies' places, once their lines were read
        Location = self.env["stock.location"].sudo()
        Till = self.env["pos.config"].sudo()
        recoveries, stats = self._recoveries(scope, tz)
        # _() finds the language in a method's frame, not in a comprehension's
        not_recorded, no_prefix = _("Not recorded"), _("(no prefix)")
        back_office = _("Back office (no till)")
        return LossReport(
            date_from=format_date(self.env, date_from),
            date_to=format_date(self.env, date_to),
            period_unit=_("Day") if unit == "day" else _("Month"),
            totals=LossRow(
                _("Total"), *(sum(row[kind] for row in periods) for kind in range(1, 5))
            ),
            by_period=[
                LossRow(
                    format_date(
                        self.env, key, date_format=None if unit == "day" else "MMMM y"
                    ),
                    *counts,
                )
                for key, *counts in periods
            ],
            by_location=[
                LossRow(
                    Location.browse(key).display_name if key else not_recorded,
                    *counts,
                )
                for key, *counts in locations
            ],
            by_prefix=[
                LossRow(key or no_prefix, *counts)
                for key, *counts in self._breakdown(scope, SQL("lot.serial_prefix"))
            ],
            by_till=[
                LossRow(
                    Till.browse(key).name if key else back_office,
                    *counts,
                )
                for key, *counts in tills
            ],
            recoveries=recoveries,
            **stats,
        )

    def _breakdown(self, scope, key):
        """[(key, lost, stolen, found, blocked)] of the period's lines, by `key`."""
        self.env["serial.audit.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT %s AS key,
                          count(*) FILTER (WHERE line.event = 'marked_lost'),
                          count(*) FILTER (WHERE line.event = 'marked_stolen'),
                          count(*) FILTER (WHERE line.event = 'found'),
                          count(*) FILTER (WHERE line.event = 'blocked_sale')
                     FROM serial_audit_line line
                     JOIN stock_lot lot ON lot.id = line.lot_id
                    WHERE %s AND line.event = ANY(%s)
                    GROUP BY 1
                    ORDER BY 1 NULLS LAST""",
                key,
                scope,
                list(LOSS_EVENTS),
            )
        )
        return self.env.cr.fetchall()

    def _recoveries(self, scope, tz):
        """The units found in the period, each with the loss it was found from (its
        history's last "marked lost" or "marked stolen" before), and the figures of
        the time from loss to recovery; and the units lost or stolen in the period and
        still missing now."""
        self.env.cr.execute(
            SQL(
                """SELECT line.lot_id, loss.event, loss.date, line.date,
                          EXTRACT(EPOCH FROM line.date - loss.date) / 86400.0
                     FROM serial_audit_line line
                     JOIN stock_lot lot ON lot.id = line.lot_id
                     CROSS JOIN LATERAL (
                         SELECT loss.event, loss.date FROM serial_audit_line loss
                          WHERE loss.lot_id = line.lot_id
                            AND loss.chain_index < line.chain_index
                            AND loss.event IN ('marked_lost', 'marked_stolen')
                          ORDER BY loss.chain_index DESC LIMIT 1
                     ) loss
                    WHERE %s AND line.event = 'found'
                    ORDER BY line.date DESC, line.id DESC""",
                scope,
            )
        )
        rows = self.env.cr.fetchall()
        days = sorted(float(row[4]) for row in rows)
        self.env.cr.execute(
            SQL(
                """SELECT count(DISTINCT line.lot_id)
                     FROM serial_audit_line line
                     JOIN stock_lot lot ON lot.id = line.lot_id
                    WHERE %s AND line.event IN ('marked_lost', 'marked_stolen')
                      AND lot.serial_state IN ('lost', 'stolen')""",
                scope,
            )
        )
        still_missing = self.env.cr.fetchone()[0]
        shown = rows[:RECOVERIES_SHOWN]
        Lot = self.env["stock.lot"].browse([row[0] for row in shown])
        labels = {"marked_lost": _("Lost"), "marked_stolen": _("Stolen")}
        recoveries = [
            Recovery(
                serial=Lot.browse(lot_id).name,
                product=Lot.browse(lot_id).product_id.display_name,
                loss=labels[event],
                lost_on=format_datetime(self.env, lost_on, tz=tz),
                found_on=format_datetime(self.env, found_on, tz=tz),
                days=self._days(duration),
            )
            for lot_id, event, lost_on, found_on, duration in shown
        ]
        middle = len(days) // 2
        median = (
            (days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2)
            if days
            else None
        )
        return recoveries, {
            "recovered": len(days),
            "average_days": self._days(sum(days) / len(days) if days else None),
            "median_days": self._days(median),
            "longest_days": self._days(days[-1] if days else None),
            "still_missing": still_missing,
        }

    def _days(self, days):
        """A number of days as the user's language writes it, with one decimal."""
        if days is None:
            return "-"
        return _("%(days)s days", days=formatLang(self.env, float(days), digits=1))
