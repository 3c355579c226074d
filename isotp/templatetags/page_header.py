"""The MoJ "page header actions" pattern: a page's heading with its buttons beside it (below it
on a narrow screen), as `templates/includes/page_header.html` lays them out.

    {% load page_header %}
    {% page_header "Pat's groups" caption="Leeds office" %}
      <a class="govuk-button" href="...">Add a group</a>
    {% end_page_header %}

The heading is an h1 (`level=2` for a section's heading), `size` its GOV.UK heading size
("l" by default). Everything between the tags goes in the actions area: GOV.UK buttons, or
links styled as buttons. With nothing between the tags only the heading is shown.
"""

from django import template
from django.template.loader import render_to_string

register = template.Library()


class PageHeaderNode(template.Node):
    def __init__(self, nodelist, heading, options):
        self.nodelist = nodelist
        self.heading = heading
        self.options = options

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.options.items()}
        # Template output is already escaped and marked safe (a SafeString); stripping it
        # would make it a plain string again, so only whitespace alone counts as no actions.
        actions = self.nodelist.render(context)
        return render_to_string(
            "includes/page_header.html",
            {
                "heading": self.heading.resolve(context),
                "caption": values.get("caption", ""),
                "level": values.get("level", 1),
                "size": values.get("size", "l"),
                "heading_id": values.get("id", ""),
                "actions": actions if actions.strip() else "",
            },
        )


@register.tag
def page_header(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("page_header needs a heading")
    heading = parser.compile_filter(bits[1])
    options = {}
    for bit in bits[2:]:
        name, sep, value = bit.partition("=")
        if not sep or name not in {"caption", "level", "size", "id"}:
            raise template.TemplateSyntaxError(f"page_header does not take {bit!r}")
        options[name] = parser.compile_filter(value)
    nodelist = parser.parse(("end_page_header",))
    parser.delete_first_token()
    return PageHeaderNode(nodelist, heading, options)
