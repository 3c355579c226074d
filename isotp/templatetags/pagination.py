"""GOV.UK pagination for any paged list: `{% pagination_for page %}`.

Links keep the rest of the query string (filters, sort), so several lists on one page can
each be paged by a parameter of their own, and long lists show a few pages either side of
the current one rather than hundreds of links.
"""

from django import template
from django.core.paginator import Page, Paginator

register = template.Library()


@register.inclusion_tag("includes/pagination.html", takes_context=True)
def pagination_for(
    context, page: Page, param: str = "page", fragment: str = "", label: str = "Pages"
) -> dict:
    query = context["request"].GET.copy()

    def link(number: int) -> str:
        query[param] = str(number)
        return f"?{query.urlencode()}" + (f"#{fragment}" if fragment else "")

    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "page": page,
        "label": label,
        "items": [
            {"number": n, "url": None if n == Paginator.ELLIPSIS else link(n)} for n in numbers
        ],
        "previous_url": link(page.previous_page_number()) if page.has_previous() else None,
        "next_url": link(page.next_page_number()) if page.has_next() else None,
    }
