"""A compared serial count applied to the stock, through Odoo's inventory adjustment.
Not a model: serial.count.action_apply locks the count (lock_compared), compares it
again, then calls apply_differences(count); the serials' events go through stock.lot's
_apply_serial_events, with the count as their document."""

from odoo.exceptions import UserError

from ..tools import serial_lifecycle as lifecycle
from ..tools.serial_event import SerialEvent
from .serial_count_line import APPLY_RESULTS
from .stock_move import EVENT_DOCUMENT
from .stock_move_line import INTERNAL

# the states an inventory adjustment may take a unit out of, or bring it in from
ADJUST_OUT_FROM = frozenset(lifecycle.TRANSITIONS["adjusted_out"])
RECEIVE_FROM = frozenset(lifecycle.TRANSITIONS["received"])


def lock_compared(count):
    """Lock the count's row and read its state as committed: two managers applying
    one count at once, the second waits, fails to serialize, is replayed by Odoo
    and is refused as already applied. UserError unless the count is compared."""
    count.flush_recordset()
    count.env.cr.execute(
        "SELECT state FROM serial_count WHERE id = %s FOR NO KEY UPDATE",
        [count.id],
    )
    count.invalidate_recordset(["state"])
    count._check_open()
    if count.state != "compared":
        raise UserError(
            count.env._(
                "Compare count %(count)s first and check its lists: applying it "
                "adjusts the stock.",
                count=count.name,
            )
        )


def apply_differences(count):
    """Make the stock agree with the compared `count`, through Odoo's inventory
    adjustment (stock.quant in inventory mode, inventory_quantity,
    action_apply_inventory): first every unit out (the missing ones, and the
    unexpected ones from where the stock has them), then the unexpected ones in
    at the location, so that each serial's events run in order (adjusted out,
    then received). A lost or stolen unit already in stock here is received with
    no stock change. A unit whose state no adjustment may change (sold, in
    repair, scrapped, recalled...) is left as it is, for its own operation (a
    return, the end of the repair). Each line gets its apply_result."""
    env = count.env
    Line = env["serial.count.line"]
    plan = plan_of(count)
    out_here, bring = plan["adjusted_out"], plan["brought_here"]
    document = {"res_model": count._name, "res_id": count.id, "reference": count.name}
    context = {
        "inventory_mode": True,
        "inventory_name": count.name,
        EVENT_DOCUMENT: document,
    }
    Quant = env["stock.quant"].with_context(**context)
    here = count.location_id.parent_path
    outs = Quant.search(
        [
            ("lot_id", "in", out_here.lot_id.ids),
            ("location_id", "child_of", count.location_id.id),
            ("quantity", ">", 0),
        ]
    ) | Quant.search(
        [
            ("lot_id", "in", bring.lot_id.ids),
            ("location_id.usage", "in", INTERNAL),
            ("quantity", ">", 0),
        ]
    ).filtered(lambda quant: not quant.location_id.parent_path.startswith(here))
    if outs:
        outs.write({"inventory_quantity": 0})
        _apply_inventory(count, outs)
    if bring:
        _apply_inventory(
            count,
            Quant.create(
                [
                    {
                        "product_id": line.product_id.id,
                        "location_id": count.location_id.id,
                        "lot_id": line.lot_id.id,
                        "inventory_quantity": 1,
                    }
                    for line in bring
                ]
            ),
        )
    env["stock.lot"]._apply_serial_events(
        [SerialEvent(line.lot_id, "received", **document) for line in plan["received"]]
    )
    env.flush_all()
    for result, result_lines in plan.items():
        if result_lines:
            env.cr.execute(
                "UPDATE serial_count_line SET apply_result = %s WHERE id = ANY(%s)",
                [result, result_lines.ids],
            )
    Line.invalidate_model(["apply_result"])


def plan_of(count):
    """What applying the compared `count` does to each missing or unexpected line's
    unit: {APPLY_RESULTS key: its lines}."""
    Line = count.env["serial.count.line"]
    lines = Line.search(
        [("count_id", "=", count.id), ("status", "in", ("missing", "unexpected"))]
    )
    plan = {result: Line for result, _label in APPLY_RESULTS}
    for line in lines:
        plan[apply_result(line, count.company_id)] |= line
    return plan


def apply_result(line, company):
    """What applying a count of `company` does to a missing or unexpected line's
    unit: an APPLY_RESULTS key, from its state and where the stock has it."""
    state = line.found_state or False
    if line.status == "missing":
        return "adjusted_out" if state in ADJUST_OUT_FROM else "left"
    if state not in RECEIVE_FROM:
        return "left"  # sold, in repair, scrapped, recalled: their own operation
    if line.at_location:
        return "received"  # lost or stolen, and in stock here already
    where = line.sudo().found_location_id
    if where.usage in INTERNAL and (
        state not in ADJUST_OUT_FROM
        or (where.company_id and where.company_id != company)
    ):
        return "left"  # in the stock of another company, or not movable
    return "brought_here"


def _apply_inventory(count, quants):
    action = quants.action_apply_inventory()
    if isinstance(action, dict):  # Odoo asks for a confirmation first
        raise UserError(
            count.env._(
                "The stock of some serials of count %(count)s changed while it "
                "was applied (%(what)s). Compare it again, then apply it.",
                count=count.name,
                what=action.get("name"),
            )
        )
