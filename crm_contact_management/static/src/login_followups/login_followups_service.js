import { markup } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { htmlJoin, htmlSprintf } from "@web/core/utils/html";

export const SCHEDULE_ACTION = "crm_contact_management.crm_schedule_item_action";

/**
 * The due and overdue follow-ups of the user, as a list for the notification.
 *
 * @param {Object[]} items as returned by res.users.crm_get_login_followups
 * @param {number} count how many follow-ups there are in all
 */
export function followupsMessage(items, count) {
    const lines = items.map((item) =>
        htmlSprintf(
            markup(
                `<li class="o_crm_login_followup o_crm_login_followup_%s">` +
                    `<span class="fw-bold">%s</span> %s: %s <span class="text-muted">(%s)</span></li>`
            ),
            item.state,
            item.state_label,
            item.kind_label,
            item.partner ? `${item.name}, ${item.partner}` : item.name,
            item.when
        )
    );
    const more =
        count > items.length
            ? htmlSprintf(markup(`<p class="mb-0">%s</p>`), _t("and %s more", count - items.length))
            : "";
    return htmlJoin([markup(`<ul class="mb-1 ps-3">`), ...lines, markup(`</ul>`), more]);
}

/**
 * On the first page load of the day, lists the user's due and overdue tasks, appointments of
 * today and planned contacts, with a button to the schedule. The server tells whether the
 * notification was already shown today.
 */
export const crmLoginFollowupsService = {
    dependencies: ["action", "notification", "orm"],

    start(env, { action, notification, orm }) {
        async function showFollowups() {
            let result;
            try {
                result = await orm.silent.call("res.users", "crm_get_login_followups", []);
            } catch {
                return; // never let a notice stand in the way of the web client
            }
            if (!result || !result.items.length) {
                return;
            }
            const close = notification.add(followupsMessage(result.items, result.count), {
                title: _t("Your follow-ups"),
                type: "warning",
                sticky: true,
                className: "o_crm_login_followups",
                buttons: [
                    {
                        name: _t("Open My Schedule"),
                        primary: true,
                        onClick: async () => {
                            close();
                            await action.doAction(SCHEDULE_ACTION, {
                                viewType: "list",
                                additionalContext: { search_default_followups: 1 },
                            });
                        },
                    },
                ],
            });
        }
        showFollowups();
    },
};

registry.category("services").add("crm_login_followups", crmLoginFollowupsService);
