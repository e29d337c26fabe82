"""The fraud prediction API: `uvicorn api.fraud:app --port 8001`."""

from api.factory import create_app
from domains.fraud.serving import SERVICE

app = create_app(SERVICE)
