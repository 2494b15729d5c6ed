from . import test_hr_leave_absence
