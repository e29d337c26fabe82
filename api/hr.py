"""The hr attrition-risk API: `uvicorn api.hr:app --port 8005`."""

from api.factory import create_app
from domains.hr.serving import SERVICE

app = create_app(SERVICE)
