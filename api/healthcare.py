"""The healthcare readmission-risk API: `uvicorn api.healthcare:app --port 8004`."""

from api.factory import create_app
from domains.healthcare.serving import SERVICE

app = create_app(SERVICE)
