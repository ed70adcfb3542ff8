"""A small JSON Schema (2020-12) validator for the plugin contract's schemas
(plugins/sdk/schemas/). Debian packages no C++ JSON Schema validator, and its
python3-jsonschema belongs to /usr/bin/python3, not necessarily to the
Python that runs the tests; so the tests carry this one. It knows exactly
the keywords the schemas use and refuses a schema that uses any other
(a keyword it ignored would let anything pass):

    $schema $id title description $comment $defs $ref (local: #/$defs/NAME)
    type enum const oneOf anyOf
    properties required additionalProperties (bool or schema)
    items minItems minLength minimum

When the `jsonschema` module is importable, test_schemas.py also checks each
schema against the 2020-12 meta-schema and each document with it.
"""

ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "$defs"}
KEYWORDS = ANNOTATIONS | {"$ref", "type", "enum", "const", "oneOf", "anyOf", "properties", "required",
                          "additionalProperties", "items", "minItems", "minLength", "minimum"}

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def check_schema(schema, where="#"):
    """Raises ValueError naming the first keyword this validator does not know."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise ValueError(f"{where}: a schema must be an object or a boolean")
    for key, value in schema.items():
        if key not in KEYWORDS:
            raise ValueError(f"{where}: keyword '{key}' is not supported by schema_check.py")
        if key == "$defs" or key == "properties":
            for name, sub in value.items():
                check_schema(sub, f"{where}/{key}/{name}")
        elif key in ("oneOf", "anyOf"):
            for i, sub in enumerate(value):
                check_schema(sub, f"{where}/{key}/{i}")
        elif key in ("items", "additionalProperties"):
            check_schema(value, f"{where}/{key}")
        elif key == "$ref" and not value.startswith("#/$defs/"):
            raise ValueError(f"{where}: only local references (#/$defs/NAME) are supported")


def errors(instance, schema, root=None, path="$"):
    """The list of reasons `instance` does not match `schema` (empty: it does)."""
    root = schema if root is None else root
    if schema is True:
        return []
    if schema is False:
        return [f"{path}: not allowed"]
    out = []
    if "$ref" in schema:
        name = schema["$ref"][len("#/$defs/"):]
        out += errors(instance, root["$defs"][name], root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](instance) for t in types):
            return out + [f"{path}: expected {' or '.join(types)}, got {type(instance).__name__}"]
    if "enum" in schema and instance not in schema["enum"]:
        out.append(f"{path}: {instance!r} is not one of {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        out.append(f"{path}: expected {schema['const']!r}")
    if "minimum" in schema and _TYPES["number"](instance) and instance < schema["minimum"]:
        out.append(f"{path}: {instance} is below {schema['minimum']}")
    if "minLength" in schema and isinstance(instance, str) and len(instance) < schema["minLength"]:
        out.append(f"{path}: shorter than {schema['minLength']}")
    if isinstance(instance, list):
        if "minItems" in schema and len(instance) < schema["minItems"]:
            out.append(f"{path}: fewer than {schema['minItems']} items")
        if "items" in schema:
            for i, item in enumerate(instance):
                out += errors(item, schema["items"], root, f"{path}[{i}]")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in instance:
                out.append(f"{path}: '{name}' is required")
        extra = schema.get("additionalProperties", True)
        for name, value in instance.items():
            if name in props:
                out += errors(value, props[name], root, f"{path}.{name}")
            elif extra is False:
                out.append(f"{path}: '{name}' is not allowed")
            elif isinstance(extra, dict):
                out += errors(value, extra, root, f"{path}.{name}")
    for key in ("oneOf", "anyOf"):
        if key in schema:
            matching = [s for s in schema[key] if not errors(instance, s, root, path)]
            if key == "oneOf" and len(matching) != 1:
                out.append(f"{path}: matches {len(matching)} of the oneOf alternatives, not exactly one")
            if key == "anyOf" and not matching:
                out.append(f"{path}: matches none of the anyOf alternatives")
    return out
