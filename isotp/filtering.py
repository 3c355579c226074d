"""A list's filter: a Django form read from GET parameters, shown in the MoJ filter component
(templates/includes/filter.html). A value that is not one of the choices is dropped, and the
page says which filter it ignored, never a server error or a refusal of the whole list."""

from django import forms
from django.http import QueryDict


class FilterForm(forms.Form):
    # GET parameters the filter keeps when a filter is applied or removed (such as the sort).
    kept_params: tuple[str, ...] = ()

    def __init__(self, query: QueryDict | None, *args, **kwargs):
        query = query if query is not None else QueryDict()
        self.query = query
        names = set(self.base_fields)
        super().__init__(query if names & set(query) else None, *args, **kwargs)

    @property
    def chosen(self) -> dict:
        """The values that are valid, by field name; empty values left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in (None, "", [], ())
        }

    @property
    def ignored(self) -> list[str]:
        """The labels of the filters whose value was not recognised."""
        if not self.is_bound:
            return []
        self.is_valid()
        return [str(self.fields[name].label or name) for name in self.errors]

    def _href(self, name: str, value: str | None) -> str:
        """This page without the filter `name` (or without only its `value`), on page 1."""
        query = self.query.copy()
        query.pop("page", None)
        if value is None:
            query.pop(name, None)
        else:
            query.setlist(name, [v for v in query.getlist(name) if v != value])
        return f"?{query.urlencode()}"

    @property
    def kept(self) -> list[tuple[str, str]]:
        """The kept parameters (such as the sort) as (name, value), for hidden inputs."""
        return [(name, self.query[name]) for name in self.kept_params if self.query.get(name)]

    @property
    def clear_href(self) -> str:
        query = QueryDict(mutable=True)
        for name in self.kept_params:
            if name in self.query:
                query[name] = self.query[name]
        return f"?{query.urlencode()}"

    @property
    def selected(self) -> list[dict]:
        """The MoJ filter's "Selected filters": each category with the items that can be
        removed one by one."""
        categories = []
        for name, value in self.chosen.items():
            field = self.fields[name]
            label = str(field.label or name)
            if isinstance(field, forms.MultipleChoiceField):
                names = dict(field.choices)
                items = [{"text": names.get(v, v), "href": self._href(name, v)} for v in value]
            elif isinstance(field, forms.ModelChoiceField):
                items = [{"text": str(value), "href": self._href(name, None)}]
            elif isinstance(field, forms.ChoiceField):
                text = dict(field.choices).get(value, value)
                items = [{"text": text, "href": self._href(name, None)}]
            else:
                items = [{"text": str(value), "href": self._href(name, None)}]
            categories.append({"heading": label, "items": items})
        return categories
