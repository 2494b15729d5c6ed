from . import models
from . import report
from . import wizards


def post_init_hook(env):
    """Existing child contacts of companies become the main links of their persons."""
    env["crm.contact.link"]._create_main_links_for_child_contacts()
