"""Imports every domain's models so that Base.metadata knows every table (Alembic, tests)."""
from app.core import audit_models, job_models  # noqa: F401
from app.identity import models as identity_models  # noqa: F401
from app.matters import models as matter_models  # noqa: F401
from app.services.seals import models as seal_models  # noqa: F401
from app.services.datahub import models as datahub_models  # noqa: F401
from app.services.applications import models as application_models  # noqa: F401
from app.evaluation import models as evaluation_models  # noqa: F401
from app.matters.consultation import models as consultation_models  # noqa: F401
from app.services.approval import models as approval_models  # noqa: F401
from app.services.proactive import models as proactive_models  # noqa: F401
from app.services.window import models as window_models  # noqa: F401
from app.kiosk import models as kiosk_models  # noqa: F401
