"""The API's JSON parser: the body's nesting is measured before it is parsed, so a deeply
nested body is a 400, never a RecursionError (docs/security-headers-and-limits.md)."""

import codecs
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# A JSON string (escapes included, unterminated at the end of the text too) or one bracket.
TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def nesting_depth(text: str, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in a JSON text, brackets inside strings ignored.

    One pass, no recursion; with stop_above it returns as soon as the depth passes that number.
    Malformed JSON is measured as far as it goes (the parser then refuses it)."""
    depth = deepest = 0
    for match in TOKENS.finditer(text):
        found = match.group()
        if found[0] == '"':
            continue
        if found in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses nesting deeper than API_MAX_JSON_DEPTH with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = codecs.decode(raw, encoding)
        except (ValueError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        limit = settings.API_MAX_JSON_DEPTH
        if nesting_depth(text, stop_above=limit) > limit:
            raise ParseError(f"JSON parse error - nested more than {limit} levels deep.")
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
