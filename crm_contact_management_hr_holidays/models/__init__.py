from . import hr_leave_type
from . import crm_absence
from . import hr_leave
