"""llm_tools.py: tool calling for fake_llm.py, in the four wire formats.

What a model does is chosen by its name, like every fake_llm scenario, and
only when the request offers tools (in that format's shape) and its last
turn is not tool results:
  tools            text first ("Je vérifie la météo…"), then TWO parallel
                   calls, to the first and the second offered tool (the first
                   again when only one is offered), with non-ASCII arguments
  tools-one        one call, no text
  tools-think      Anthropic: a signed thinking block, then one call; the
                   history must give the block back first in that turn
  tools-bad-args   one call whose arguments are cut JSON ('{"city": "Par')
  tools-many-N     N parallel calls
  tools-huge       one call whose arguments are over 1 MiB
When the last turn IS tool results, a "tools*" model answers in text:
"Résultats : " + the results' texts joined by " | " (+ " [erreur]" for a
result marked as an error where the format has the flag).

How each format sends calls (the awkward parts on purpose):
  OpenAI     `delta.tool_calls` pieces keyed by `index`, id and name in the
             first piece, `arguments` text cut every 1-7 characters (inside
             strings and escapes); finish_reason "tool_calls".
  Anthropic  content_block_start tool_use (id, name, input {}), then
             input_json_delta `partial_json` pieces (the first one empty, as
             the API does), content_block_stop; stop_reason "tool_use".
  Gemini     functionCall parts, whole, in one chunk, no id; the first call
             carries a thoughtSignature; finishReason STOP.
  Ollama     the calls whole in one NDJSON line, arguments as an OBJECT, no
             id; done_reason "stop".
Every streamed event is also cut by fake_llm's awkward_pieces, which splits
inside the first multi-byte character of each event: the arguments' "é",
"°" and "🚀" arrive in two TCP chunks.

The history the client sends back is checked as strictly as the real APIs
do (each returns the provider's own 400 wording), so a client that gets the
shape wrong fails loudly:
  OpenAI     assistant `tool_calls[].function.arguments` must be a string;
             every call must be answered by a `role: tool` message with its
             `tool_call_id` before the next non-tool message.
  Anthropic  every tool_use id must be answered by a tool_result block, first
             in the content of the very next (user) message; its is_error,
             when present, must be a boolean.
  Gemini     the first functionCall part of a model turn must carry the
             thoughtSignature it was given; the next turn must hold one
             functionResponse (with an object `response`) per call, same
             names; tool declarations must not use keys outside Gemini's
             schema subset ($schema, additionalProperties, ...).
  Ollama     assistant `tool_calls[].function.arguments` must be an object.
"""
import json

CALL_ARGS = [{"city": "Montréal", "unit": "°C", "note": "🚀 \"vite\""},
             {"zone": "Europe/Paris"}]
TEXT_BEFORE = ["Je vérifie", " la météo…"]
SIGNATURE = "c2lnbmF0dXJlLTE="   # Gemini's thoughtSignature on the first call
HUGE = (1 << 20) + 100
GEMINI_SCHEMA_KEYS = {"type", "format", "title", "description", "nullable", "enum", "maxItems",
                      "minItems", "properties", "required", "minProperties", "maxProperties",
                      "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
                      "default", "items", "minimum", "maximum"}


class Call:
    def __init__(self, index, name, args_text):
        self.index = index
        self.name = name
        self.args_text = args_text

    @property
    def args(self):
        """As an object (formats that send objects cannot send cut JSON)."""
        try:
            return json.loads(self.args_text)
        except ValueError:
            return {}


class Plan:
    """The calls one answer makes, and the text before them."""

    def __init__(self, calls, text_before, thinking=False):
        self.calls = calls
        self.text_before = text_before
        self.thinking = thinking


def plan(model, offered, answered):
    name = (model or "").lower()
    if not name.startswith("tools") or answered or not offered:
        return None

    def dumps(args):
        return json.dumps(args, ensure_ascii=False)

    if name in ("tools-one", "tools-think"):
        return Plan([Call(0, offered[0], dumps(CALL_ARGS[0]))], [], thinking=name == "tools-think")
    if name == "tools-bad-args":
        return Plan([Call(0, offered[0], '{"city": "Par')], [])
    if name == "tools-huge":
        return Plan([Call(0, offered[0], dumps({"blob": "x" * HUGE}))], [])
    if name.startswith("tools-many-") and name[11:].isdigit():
        return Plan([Call(i, offered[0], dumps({"n": i})) for i in range(int(name[11:]))], [])
    second = offered[1] if len(offered) > 1 else offered[0]
    return Plan([Call(0, offered[0], dumps(CALL_ARGS[0])), Call(1, second, dumps(CALL_ARGS[1]))],
                list(TEXT_BEFORE))


def split_text(text):
    """Pieces of 1 to 7 characters: cuts fall inside keys, strings, escapes."""
    sizes, pieces, i, k = (1, 3, 2, 5, 4, 7, 6), [], 0, 0
    while i < len(text):
        n = sizes[k % len(sizes)] if len(text) < 4096 else 65536  # tools-huge: fewer events
        pieces.append(text[i:i + n])
        i, k = i + n, k + 1
    return pieces


def answer_deltas(results):
    text = "Résultats : " + " | ".join(results)
    return [text[i:i + 6] for i in range(0, len(text), 6)]


def is_tools_model(model):
    return (model or "").lower().startswith("tools")


# ---- OpenAI -------------------------------------------------------------------------

def openai_offered(body):
    return [t.get("function", {}).get("name") for t in body.get("tools") or []
            if isinstance(t, dict) and t.get("type") == "function"]


def openai_error(body):
    messages = body.get("messages") or []
    for t in body.get("tools") or []:
        if not isinstance(t, dict) or t.get("type") != "function" or \
                not isinstance(t.get("function"), dict) or "name" not in t["function"]:
            return "Invalid 'tools': each tool must be {\"type\": \"function\", \"function\": {...}}."
    pending = []
    for i, m in enumerate(messages):
        role = m.get("role") if isinstance(m, dict) else None
        if role == "tool":
            if m.get("tool_call_id") not in pending:
                return ("Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'.")
            pending.remove(m["tool_call_id"])
            continue
        if pending:
            return ("An assistant message with 'tool_calls' must be followed by tool messages "
                    "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                    "response messages: " + ", ".join(pending))
        for c in (m.get("tool_calls") or []) if role == "assistant" else []:
            args = (c.get("function") or {}).get("arguments")
            if not isinstance(args, str):
                return ("Invalid type for 'messages[%d].tool_calls[0].function.arguments': "
                        "expected a string, but got an object instead." % i)
            pending.append(c.get("id"))
    if pending:
        return "An assistant message with 'tool_calls' must be followed by tool messages."
    return None


def openai_results(body):
    messages = body.get("messages") or []
    results = []
    for m in reversed(messages):
        if not isinstance(m, dict) or m.get("role") != "tool":
            break
        results.insert(0, m.get("content") if isinstance(m.get("content"), str) else "")
    return results or None


def openai_call_deltas(call):
    """The delta objects of one streamed call: id and name, then the text."""
    cid = "call_FAKE%04d" % call.index
    yield {"tool_calls": [{"index": call.index, "id": cid, "type": "function",
                           "function": {"name": call.name, "arguments": ""}}]}
    for piece in split_text(call.args_text):
        yield {"tool_calls": [{"index": call.index, "function": {"arguments": piece}}]}


def openai_message_calls(plan_):
    return [{"id": "call_FAKE%04d" % c.index, "type": "function",
             "function": {"name": c.name, "arguments": c.args_text}} for c in plan_.calls]


# ---- Anthropic ------------------------------------------------------------------------

def anthropic_offered(body):
    return [t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)
            and "input_schema" in t]


THINKING = {"type": "thinking", "thinking": "Il faut la météo.", "signature": "EqQBsigFAKE"}


def anthropic_error(body):
    messages = body.get("messages") or []
    thinking_on = (body.get("model") or "").lower() == "tools-think"
    for i, m in enumerate(messages):
        content = m.get("content") if isinstance(m, dict) else None
        if m.get("role") != "assistant" or not isinstance(content, list):
            continue
        ids = [b.get("id") for b in content if isinstance(b, dict) and b.get("type") == "tool_use"]
        if not ids:
            continue
        if thinking_on and content[0] != THINKING:
            return ("messages.%d.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                    "`%s`. When `thinking` is enabled, a final `assistant` message must start with a "
                    "thinking block." % (i, content[0].get("type")))
        for b in content:
            if b.get("type") == "tool_use" and not isinstance(b.get("input"), dict):
                return "messages.%d.content: tool_use.input: Input should be a valid dictionary" % i
        for b in (messages[i + 1].get("content") if i + 1 < len(messages) and
                  isinstance(messages[i + 1], dict) and isinstance(messages[i + 1].get("content"), list) else []):
            if isinstance(b, dict) and b.get("type") == "tool_result" and "is_error" in b \
                    and not isinstance(b["is_error"], bool):
                return "messages.%d.content: tool_result.is_error: Input should be a valid boolean" % (i + 1)
        nxt = messages[i + 1] if i + 1 < len(messages) else None
        blocks = nxt.get("content") if isinstance(nxt, dict) and nxt.get("role") == "user" else None
        leading = []
        for b in blocks if isinstance(blocks, list) else []:
            if not isinstance(b, dict) or b.get("type") != "tool_result":
                break
            leading.append(b.get("tool_use_id"))
        missing = [x for x in ids if x not in leading]
        if missing:
            return ("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately "
                    "after: %s. Each `tool_use` block must have a corresponding `tool_result` block "
                    "in the next message." % (i, ", ".join(missing)))
    return None


def anthropic_results(body):
    messages = body.get("messages") or []
    last = messages[-1] if messages else None
    content = last.get("content") if isinstance(last, dict) else None
    if not isinstance(content, list):
        return None
    results = []
    for b in content:
        if isinstance(b, dict) and b.get("type") == "tool_result":
            text = b.get("content") if isinstance(b.get("content"), str) else ""
            results.append(text + (" [erreur]" if b.get("is_error") else ""))
    return results or None


def anthropic_tool_id(call):
    return "toolu_01FAKE%04d" % call.index


# ---- Gemini ---------------------------------------------------------------------------

def gemini_offered(body):
    names = []
    for tool in body.get("tools") or []:
        for d in (tool.get("functionDeclarations") or []) if isinstance(tool, dict) else []:
            names.append(d.get("name"))
    return names


def _schema_error(schema, where):
    if not isinstance(schema, dict):
        return None
    for key in schema:
        if key not in GEMINI_SCHEMA_KEYS:
            return ("Invalid JSON payload received. Unknown name \"%s\" at '%s': Cannot find field."
                    % (key, where))
    for name, sub in (schema.get("properties") or {}).items():
        err = _schema_error(sub, where + ".properties[%s].value" % name)
        if err:
            return err
    return _schema_error(schema.get("items"), where + ".items")


def gemini_error(body):
    for t, tool in enumerate(body.get("tools") or []):
        for d, decl in enumerate((tool.get("functionDeclarations") or []) if isinstance(tool, dict) else []):
            err = _schema_error(decl.get("parameters"),
                                "tools[%d].function_declarations[%d].parameters" % (t, d))
            if err:
                return err
    contents = body.get("contents") or []
    for i, c in enumerate(contents):
        parts = [p for p in c.get("parts") or [] if isinstance(p, dict)]
        calls = [p for p in parts if "functionCall" in p]
        if c.get("role") != "model" or not calls:
            continue
        if calls[0].get("thoughtSignature") != SIGNATURE:
            return ("Function call is missing a thought_signature in functionCall parts. This is "
                    "required for tools to work correctly, and missing thought_signature may lead "
                    "to degraded model performance. Additional data, function call `default_api:%s`"
                    " , position %d." % (calls[0]["functionCall"].get("name"), i + 1))
        nxt = contents[i + 1] if i + 1 < len(contents) else {}
        responses = [p["functionResponse"] for p in nxt.get("parts") or []
                     if isinstance(p, dict) and "functionResponse" in p]
        if len(responses) != len(calls) or [r.get("name") for r in responses] != \
                [p["functionCall"].get("name") for p in calls]:
            return ("Please ensure that the number of function response parts is equal to the "
                    "number of function call parts of the function call turn.")
        if any(not isinstance(r.get("response"), dict) for r in responses):
            return "Invalid value at 'contents[%d].parts[0].function_response.response'" % (i + 1)
    return None


def gemini_results(body):
    contents = body.get("contents") or []
    last = contents[-1] if contents else {}
    results = []
    for p in last.get("parts") or []:
        r = p.get("functionResponse") if isinstance(p, dict) else None
        if isinstance(r, dict):
            resp = r.get("response") or {}
            if "error" in resp:
                results.append(str(resp["error"]) + " [erreur]")
            else:
                results.append(str(resp.get("result", resp.get("output", ""))))
    return results or None


def gemini_call_parts(plan_):
    parts = []
    for c in plan_.calls:
        part = {"functionCall": {"name": c.name, "args": c.args}}
        if c.index == 0:
            part["thoughtSignature"] = SIGNATURE  # parallel calls: only on the first
        parts.append(part)
    return parts


# ---- Ollama ---------------------------------------------------------------------------

def ollama_offered(body):
    return openai_offered(body)


def ollama_error(body):
    for m in body.get("messages") or []:
        for c in (m.get("tool_calls") or []) if isinstance(m, dict) else []:
            if not isinstance((c.get("function") or {}).get("arguments"), dict):
                return ("json: cannot unmarshal string into Go struct field "
                        "ToolCallFunction.messages.tool_calls.function.arguments of type "
                        "api.ToolCallFunctionArguments")
    return None


def ollama_results(body):
    results = []
    for m in reversed(body.get("messages") or []):
        if not isinstance(m, dict) or m.get("role") != "tool":
            break
        results.insert(0, (m.get("content") or "") + (" @" + m["tool_name"] if m.get("tool_name") else ""))
    return results or None


def ollama_message_calls(plan_):
    return [{"function": {"name": c.name, "arguments": c.args}} for c in plan_.calls]
