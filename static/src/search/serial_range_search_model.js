import { SearchModel } from "@web/search/search_model";
import { patch } from "@web/core/utils/patch";

/**
 * A serial range typed in the search of serials (stock.lot's `serial_range` field) is
 * checked before its facet is added: a bad range is told, with an example built from
 * what was typed, and leaves no facet behind (a facet whose search fails would leave
 * the whole list under it).
 */
patch(SearchModel.prototype, {
    addAutoCompletionValues(searchItemId, autocompleteValue) {
        const searchItem = this.searchItems[searchItemId];
        if (
            this.resModel !== "stock.lot" ||
            searchItem?.type !== "field" ||
            searchItem.fieldName !== "serial_range"
        ) {
            return super.addAutoCompletionValues(...arguments);
        }
        return this.orm
            .call("stock.lot", "serial_range_problem", [autocompleteValue.value])
            .then((problem) => {
                if (problem) {
                    this.env.services.notification.add(problem, { type: "danger" });
                    return;
                }
                return super.addAutoCompletionValues(searchItemId, autocompleteValue);
            });
    },
});
