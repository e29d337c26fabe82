"""The explicit list of domains; a test checks that it matches the folders under domains/."""

from __future__ import annotations

from domains.banking.spec import SPEC as BANKING
from domains.core.spec import DomainSpec
from domains.ecommerce.spec import SPEC as ECOMMERCE
from domains.financial.spec import SPEC as FINANCIAL
from domains.fraud.spec import SPEC as FRAUD
from domains.healthcare.spec import SPEC as HEALTHCARE
from domains.hr.spec import SPEC as HR
from domains.restaurant.spec import SPEC as RESTAURANT

DOMAINS: dict[str, DomainSpec] = {
    spec.name: spec for spec in (BANKING, FRAUD, ECOMMERCE, FINANCIAL, HEALTHCARE, HR, RESTAURANT)
}


def get_spec(name: str) -> DomainSpec:
    """Return a domain's spec, or fail naming the known domains."""
    try:
        return DOMAINS[name]
    except KeyError:
        raise KeyError(f"unknown domain {name!r}; known: {', '.join(sorted(DOMAINS))}") from None


def built_domains() -> list[DomainSpec]:
    """Domains whose pipelines exist (the others only declare their spec so far)."""
    return [spec for spec in DOMAINS.values() if spec.built]
