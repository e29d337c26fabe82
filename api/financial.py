"""The financial forecasting API: `uvicorn api.financial:app --port 8003`."""

from api.factory import create_app
from domains.financial.serving import SERVICE

app = create_app(SERVICE)
