"""The versioned JSON API at /api/v1/: core's NinjaAPI with every app's router."""

from weserve.core.api import make_api
from weserve.core.api_auth import router as auth_router
from weserve.feedback.api import router as feedback_router
from weserve.knowledge.api import router as knowledge_router
from weserve.organisation.api import router as organisation_router
from weserve.queueing.api import router as queueing_router
from weserve.register.api import router as register_router
from weserve.telephony.api import router as telephony_router

api = make_api()
api.add_router("/auth", auth_router)
api.add_router("/", organisation_router)
api.add_router("/", queueing_router)
api.add_router("/", register_router)
api.add_router("/", feedback_router)
api.add_router("/", knowledge_router)
api.add_router("/", telephony_router)
