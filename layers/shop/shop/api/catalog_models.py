"""Request and response bodies of the catalog routes."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from shop.api.models import Ref as Ref  # re-exported: the catalog and inventory routes take it from here
from shop.api.models import RequestModel, ResponseModel, document_patch, text
from shop.api.responses import errors as errors  # re-exported: routes took them from here
from shop.api.responses import no_content as no_content
from shop.api.responses import success as success
from shop.domain import catalog as rules
from shop.domain.catalog import Category, Product

Name = Annotated[str, text(1, rules.NAME_MAX)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=rules.SLUG_MAX, pattern=rules.SLUG_PATTERN)]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=rules.SKU_MAX, pattern=rules.SKU_PATTERN)]
Description = Annotated[str, text(0, rules.DESCRIPTION_MAX, lines=True)]
Price = Annotated[int, Field(gt=0, le=rules.PRICE_MAX_CENTS)]


def _iso_currency(value: str) -> str:
    if value not in rules.ISO_CURRENCIES:
        raise ValueError(rules.CURRENCY_RULE)
    return value


Currency = Annotated[
    str,
    AfterValidator(_iso_currency),
    Field(description="ISO 4217, e.g. USD, EUR.", json_schema_extra={"enum": sorted(rules.ISO_CURRENCIES)}),
]
Status = Literal["DRAFT", "ACTIVE", "ARCHIVED"]


class PatchModel(RequestModel):
    """A PATCH body: at least one field, and null only where the field itself may be null."""

    model_config = ConfigDict(json_schema_extra=document_patch)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _some_change(self) -> PatchModel:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for field in self.model_fields_set - self.nullable:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in self.model_fields_set}


class NewCategory(RequestModel):
    name: Name
    slug: Slug
    parent_id: Ref | None = None


class CategoryChanges(PatchModel):
    nullable = frozenset({"parent_id"})
    name: Name | None = None
    slug: Slug | None = None
    parent_id: Ref | None = None


class NewProduct(RequestModel):
    sku: Sku
    name: Name
    description: Description | None = None
    price_cents: Price
    currency: Currency = "USD"
    category_id: Ref
    status: Status = "DRAFT"


class ProductChanges(PatchModel):
    nullable = frozenset({"description"})
    sku: Sku | None = None
    name: Name | None = None
    description: Description | None = None
    price_cents: Price | None = None
    currency: Currency | None = None
    category_id: Ref | None = None
    status: Status | None = None


class CategoryResponse(ResponseModel):
    id: str
    name: str
    slug: str
    parent_id: str | None

    @classmethod
    def of(cls, c: Category) -> CategoryResponse:
        return cls(id=c.id, name=c.name, slug=c.slug, parent_id=c.parent_id)


class CategoryList(ResponseModel):
    items: list[CategoryResponse]
    next_cursor: None = None


class ProductResponse(ResponseModel):
    id: str
    sku: str
    name: str
    description: str | None
    price_cents: int
    currency: str
    category_id: str
    status: Status
    stock_available: int
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, p: Product) -> ProductResponse:
        return cls(
            id=p.id,
            sku=p.sku,
            name=p.name,
            description=p.description,
            price_cents=p.price_cents,
            currency=p.currency,
            category_id=p.category_id,
            status=p.status,
            stock_available=p.stock_available,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class ProductPage(ResponseModel):
    items: list[ProductResponse]
    next_cursor: str | None
