"""The restaurant review-sentiment API: `uvicorn api.restaurant:app --port 8006`."""

from api.factory import create_app
from domains.restaurant.serving import SERVICE

app = create_app(SERVICE)
