/** @odoo-module */

import { PortalHomeCounters } from "@portal/js/portal";

// "My Units" stays on the portal's home with no unit yet: a customer registers there
// a unit bought elsewhere
PortalHomeCounters.include({
    _getCountersAlwaysDisplayed() {
        return this._super(...arguments).concat(["serial_unit_count"]);
    },
});
