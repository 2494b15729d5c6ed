from . import crm_attribute_search
