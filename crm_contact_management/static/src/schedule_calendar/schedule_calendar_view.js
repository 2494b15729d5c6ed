import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarController } from "@web/views/calendar/calendar_controller";

/**
 * "My schedule" gathers appointments, tasks and planned contacts: opening an item opens the
 * record it stands for (the appointment, the task's document, the journal entry).
 */
export class ScheduleCalendarController extends CalendarController {
    async editRecord(record, context = {}) {
        if (!record.id) {
            return super.editRecord(record, context);
        }
        const action = await this.orm.call("crm.schedule.item", "action_open_record", [
            [record.id],
        ]);
        if (action) {
            await this.action.doAction(action);
        }
    }
}

export const scheduleCalendarView = {
    ...calendarView,
    Controller: ScheduleCalendarController,
};

registry.category("views").add("crm_schedule_calendar", scheduleCalendarView);
