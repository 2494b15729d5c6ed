import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { Component, useState } from "@odoo/owl";

/**
 * "Test Connection" on the settings page.
 *
 * A plain button would reload the settings after its action, and the settings page always
 * reloads as a new record: the values just typed (and not saved yet) would be gone. This
 * widget keeps the page as it is: it stores the values on the settings record (not in the
 * configuration), asks the server to sign in with them, shows the outcome as a notification
 * and puts it into the result field of the page.
 */
export class CrmExchangeTestConnection extends Component {
    static template = "crm_exchange_sync.TestConnection";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ running: false });
    }

    async onClick() {
        const record = this.props.record;
        this.state.running = true;
        try {
            if (!(await record.save())) {
                return; // invalid values: the form shows them
            }
            const action = await this.orm.call(
                record.resModel,
                "action_crm_exchange_test_connection",
                [[record.resId]],
                { context: record.context }
            );
            delete action.params.next; // no reload: it would lose the unsaved values
            const [result] = await this.orm.read(
                record.resModel,
                [record.resId],
                ["crm_exchange_test_result", "crm_exchange_test_ok"]
            );
            await record.update({
                crm_exchange_test_result: result.crm_exchange_test_result,
                crm_exchange_test_ok: result.crm_exchange_test_ok,
            });
            await this.action.doAction(action);
        } finally {
            this.state.running = false;
        }
    }
}

registry.category("view_widgets").add("crm_exchange_test_connection", {
    component: CrmExchangeTestConnection,
});
