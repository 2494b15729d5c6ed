"""Expansion of EWS recurrence patterns (the <t:Recurrence> element of a calendar item) into
occurrence starts."""

import calendar
import datetime

from .soap import child_text, local, parse_date

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEK_INDEXES = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
# A recurrence without an end is expanded this far at most (occurrences, days)
MAX_OCCURRENCES = 5000
MAX_SPAN_DAYS = 366 * 30


class Pattern:
    """A parsed recurrence: pattern kind and its values, and the boundary."""

    def __init__(self, elem):
        self.kind = None
        self.interval = 1
        self.weekdays = []
        self.first_day_of_week = 0
        self.day_of_month = None
        self.month = None
        self.week_index = None
        self.start_date = None
        self.end_date = None
        self.count = None
        for part in elem:
            name = local(part)
            if name.endswith("Recurrence") and name not in (
                "NoEndRecurrence",
                "EndDateRecurrence",
                "NumberedRecurrence",
            ):
                self.kind = name
                self.interval = int(child_text(part, "Interval") or 1)
                days = child_text(part, "DaysOfWeek")
                if days:
                    self.weekdays = days.split()
                first = child_text(part, "FirstDayOfWeek")
                if first in WEEKDAYS:
                    self.first_day_of_week = WEEKDAYS.index(first)
                dom = child_text(part, "DayOfMonth")
                if dom:
                    self.day_of_month = int(dom)
                month = child_text(part, "Month")
                if month in MONTHS:
                    self.month = MONTHS.index(month) + 1
                index = child_text(part, "DayOfWeekIndex")
                if index:
                    self.week_index = WEEK_INDEXES.get(index, 1)
            elif name in ("NoEndRecurrence", "EndDateRecurrence", "NumberedRecurrence"):
                start = child_text(part, "StartDate")
                if start:
                    self.start_date = parse_date(start)
                end = child_text(part, "EndDate")
                if end:
                    self.end_date = parse_date(end)
                number = child_text(part, "NumberOfOccurrences")
                if number:
                    self.count = int(number)

    # ----------------------------------------------------------------------------------------------
    def _day_matches(self, day, names):
        weekday = WEEKDAYS[day.weekday()]
        for name in names:
            if name == weekday or name == "Day":
                return True
            if name == "Weekday" and day.weekday() < 5:
                return True
            if name == "WeekendDay" and day.weekday() >= 5:
                return True
        return False

    def _nth_weekday(self, year, month):
        days = [
            datetime.date(year, month, d)
            for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if self._day_matches(datetime.date(year, month, d), self.weekdays or ["Day"])
        ]
        if not days:
            return None
        if self.week_index == -1:
            return days[-1]
        index = (self.week_index or 1) - 1
        return days[index] if index < len(days) else days[-1]

    @staticmethod
    def _clamped(year, month, day):
        return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))

    def _candidate_dates(self, start):
        """Dates matching the pattern, from ``start`` on, in order (unbounded)."""
        limit = start + datetime.timedelta(days=MAX_SPAN_DAYS)
        kind = self.kind
        if kind == "DailyRecurrence":
            day = start
            while day <= limit:
                yield day
                day += datetime.timedelta(days=self.interval)
        elif kind == "WeeklyRecurrence":
            offset = (start.weekday() - self.first_day_of_week) % 7
            week_start = start - datetime.timedelta(days=offset)
            while week_start <= limit:
                for i in range(7):
                    day = week_start + datetime.timedelta(days=i)
                    if day >= start and self._day_matches(day, self.weekdays):
                        yield day
                week_start += datetime.timedelta(weeks=self.interval)
        elif kind in ("AbsoluteMonthlyRecurrence", "RelativeMonthlyRecurrence"):
            year, month = start.year, start.month
            while datetime.date(year, month, 1) <= limit:
                if kind == "AbsoluteMonthlyRecurrence":
                    day = self._clamped(year, month, self.day_of_month or start.day)
                else:
                    day = self._nth_weekday(year, month)
                if day is not None and day >= start:
                    yield day
                month += self.interval
                while month > 12:
                    month -= 12
                    year += 1
        elif kind in ("AbsoluteYearlyRecurrence", "RelativeYearlyRecurrence"):
            year = start.year
            month = self.month or start.month
            while datetime.date(year, 1, 1) <= limit:
                if kind == "AbsoluteYearlyRecurrence":
                    day = self._clamped(year, month, self.day_of_month or start.day)
                else:
                    day = self._nth_weekday(year, month)
                if day is not None and day >= start:
                    yield day
                year += 1

    def dates(self, series_start_date):
        """The occurrence dates of the series, honouring the boundary."""
        start = self.start_date or series_start_date
        for number, day in enumerate(self._candidate_dates(start), start=1):
            if self.count is not None and number > self.count:
                return
            if self.end_date is not None and day > self.end_date:
                return
            if number > MAX_OCCURRENCES:
                return
            yield day


def occurrence_starts(recurrence_elem, master_start, tz):
    """Yield (instance index, original start as aware UTC datetime) of a series whose first start is
    master_start."""
    if recurrence_elem is None:
        return
    pattern = Pattern(recurrence_elem)
    if pattern.kind is None:
        return
    local_start = master_start.astimezone(tz)
    time_of_day = local_start.time().replace(tzinfo=None)
    for index, day in enumerate(pattern.dates(local_start.date()), start=1):
        local_dt = datetime.datetime.combine(day, time_of_day).replace(tzinfo=tz)
        yield index, local_dt.astimezone(datetime.timezone.utc)
