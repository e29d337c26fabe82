"""The e-commerce customer-value API: `uvicorn api.ecommerce:app --port 8002`."""

from api.factory import create_app
from domains.ecommerce.serving import SERVICE

app = create_app(SERVICE)
