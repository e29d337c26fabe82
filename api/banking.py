"""The banking API: `uvicorn api.banking:app --port 8000`. Probability of default at /predict, plus the
society's data endpoints: a customer, their transactions and the AML alerts (personal data masked
unless the token holds the `admin` scope)."""

import asyncio
import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.exceptions import RequestValidationError

from api.auth import Principal
from api.errors import HTTPError
from api.factory import RouteDeps, create_app
from api.routes import ERRORS
from domains.banking import queries
from domains.banking.masking import mask_row
from domains.banking.serving import SERVICE
from domains.core.warehouse import Warehouse

CustomerId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="e.g. C0001234")]
Page = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]
PageSize = Annotated[int, Query(ge=1, le=500, description="rows per page, at most 500")]


def data_routes(deps: RouteDeps) -> APIRouter:
    """GET /customers/{id}, /customers/{id}/transactions and /aml/alerts."""
    router = APIRouter(tags=["banking data"])
    Reader = Annotated[Principal, Depends(deps.reader_scope)]  # noqa: N806
    warehouse = Warehouse(deps.settings.warehouse_url)

    def shown(rows: list[dict[str, Any]], who: Principal) -> list[dict[str, Any]]:
        return rows if "admin" in who.scopes else [mask_row(r) for r in rows]

    async def read(fn: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, warehouse, *args)
        except Exception as exc:
            raise HTTPError(
                503, f"warehouse unavailable: {type(exc).__name__}", "warehouse_unavailable"
            ) from exc

    @router.get("/customers/{customer_id}", responses=ERRORS, summary="A customer and their accounts")
    async def get_customer(customer_id: CustomerId, who: Reader) -> dict[str, Any]:
        found = await read(queries.customer, customer_id)
        if found is None:
            raise HTTPError(404, f"no customer {customer_id}", "not_found")
        accounts = shown(found.pop("accounts"), who)
        return {**shown([found], who)[0], "accounts": accounts, "masked": "admin" not in who.scopes}

    @router.get(
        "/customers/{customer_id}/transactions",
        responses=ERRORS,
        summary="A customer's transactions, newest first",
    )
    async def get_transactions(
        customer_id: CustomerId, who: Reader, page: Page = 1, page_size: PageSize = 50
    ) -> dict[str, Any]:
        rows, total = await read(queries.transactions, customer_id, page, page_size)
        if total == 0 and await read(queries.customer, customer_id) is None:
            raise HTTPError(404, f"no customer {customer_id}", "not_found")
        return {"customer_id": customer_id, "page": page, "page_size": page_size, "total": total,
                "masked": "admin" not in who.scopes, "transactions": shown(rows, who)}  # fmt: skip

    @router.get("/aml/alerts", responses=ERRORS, summary="AML alerts by date and severity")
    async def get_alerts(
        who: Reader,
        date_from: Annotated[date | None, Query(description="first date, inclusive (YYYY-MM-DD)")] = None,
        date_to: Annotated[date | None, Query(description="last date, inclusive (YYYY-MM-DD)")] = None,
        severity: Annotated[Literal["low", "medium", "high"] | None, Query()] = None,
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        if date_from and date_to and date_from > date_to:
            raise RequestValidationError(
                [{"loc": ("query", "date_from"), "msg": "date_from is after date_to", "type": "value_error"}]
            )
        rows, total = await read(queries.alerts, date_from, date_to, severity, page, page_size)
        for row in rows:
            row["evidence"] = (
                json.loads(row["evidence"]) if isinstance(row["evidence"], str) else row["evidence"]
            )
        return {"page": page, "page_size": page_size, "total": total, "alerts": rows}

    return router


app = create_app(SERVICE, extra_routes=[data_routes])
