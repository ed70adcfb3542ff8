/*
 * webox/plugin.h: THE contract between the webox host and its plugins.
 *
 * A webox plugin is a shared object that AI providers (OpenAI, Anthropic,
 * Ollama, ...) and social platforms (Instagram, X, ...) are built as. The
 * host finds it through data (a folder `<id>/` holding `webox-<id>.so` and
 * `plugin.json`), loads it with dlopen(RTLD_NOW | RTLD_LOCAL), looks up ONE
 * exported symbol, `webox_plugin_entry_v1`, and calls it with a table of host
 * services. The plugin answers with a static, size-prefixed descriptor that
 * names its capabilities and holds one function slot per capability.
 *
 * Why this shape (the reasoning is in docs/ARCHITECTURE.md):
 *   - Pure C, so a plugin built with another compiler, another C++ standard
 *     library or another language works. No std::string, exception, or
 *     spdlog object crosses this boundary.
 *   - The host lends HTTP, secrets, logging, cancellation and memory, so a
 *     plugin links neither libcurl nor spdlog nor the store: timeouts,
 *     retries, TLS, proxies, redaction and recording live in one tested place.
 *   - Versioning has three layers: WEBOX_ABI_MAJOR must match exactly; the
 *     plugin names the oldest host minor it needs (`min_host_minor`); every
 *     growable struct starts with `struct_size` and only grows at its end.
 *
 * Words in capitals follow RFC 2119. "Host" and "plugin" say who is bound.
 *
 * OWNERSHIP. Two cases, visible in the types:
 *   - Borrowed: `const char *` + size (request JSON, stream events, HTTP
 *     chunks). Valid only during the call that hands it over. A receiver that
 *     needs it later MUST copy it.
 *   - Owned: a `webox_buf`. Whoever fills it picks the allocator and sets
 *     `release`. Whoever receives a non-empty buf MUST call `release(buf)`
 *     exactly once (a NULL `release` means static data that is never freed).
 *
 * ERRORS. Every operation returns a `webox_status`: 0 (WEBOX_OK) or a
 * negative failure class. On failure the plugin SHOULD fill `error` with a
 * JSON object: {"code": "...", "message": "...", "http_status": 429,
 * "retry_after_ms": 1200, "provider_code": "..."}; only "message" is required.
 * A plugin MUST NOT let a C++ exception or a longjmp cross this boundary.
 *
 * STREAMING. Streamed operations take a sink and a `user` pointer. The
 * plugin calls the sink synchronously, on the calling thread, zero or more
 * times, and never after the operation returns. Each call hands one borrowed
 * JSON event: {"type":"delta","text":"..."}, {"type":"usage",
 * "input_tokens":N,"output_tokens":M}, {"type":"item",...},
 * {"type":"checkpoint",...}, {"type":"warning","message":"..."},
 * {"type":"tool_call",...} (ABI 1.3, WEBOX_CAP_TOOLS). A non-zero
 * return from the sink means "stop": the plugin MUST stop producing events
 * and return WEBOX_E_CANCELLED promptly.
 *
 * CANCELLATION. The host flips a process-wide flag on Ctrl-C and every call
 * may carry a deadline. Plugins SHOULD poll `host->is_cancelled(call)` between
 * steps; host HTTP aborts transfers itself, so a plugin blocked in `http` or
 * `http_stream` gets WEBOX_E_CANCELLED back promptly.
 *
 * THREADING. The host calls one instance from one thread at a time; separate
 * instances MAY run in parallel (webox compare). Host services are
 * thread-safe. A plugin MUST NOT start threads that outlive a call.
 */
#ifndef WEBOX_PLUGIN_H
#define WEBOX_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEBOX_ABI_MAJOR 1 /* bumped only for a breaking change          */
#define WEBOX_ABI_MINOR 6 /* bumped when members or functions are added */

#if defined(_WIN32)
#define WEBOX_EXPORT __declspec(dllexport)
#else
#define WEBOX_EXPORT __attribute__((visibility("default")))
#endif

/* ---- Status ------------------------------------------------------------ */

typedef int32_t webox_status;
#define WEBOX_OK 0
#define WEBOX_E_INVALID (-1)      /* the request is malformed or refused     */
#define WEBOX_E_UNSUPPORTED (-2)  /* capability or option not supported      */
#define WEBOX_E_AUTH (-3)         /* missing, wrong or expired credentials   */
#define WEBOX_E_RATE_LIMITED (-4) /* 429 and friends, after host retries     */
#define WEBOX_E_NETWORK (-5)      /* could not connect, connection dropped   */
#define WEBOX_E_TIMEOUT (-6)      /* connect, idle-read or deadline expired  */
#define WEBOX_E_CANCELLED (-7)    /* Ctrl-C, or a sink asked to stop         */
#define WEBOX_E_UPSTREAM (-8)     /* the service answered with an error      */
#define WEBOX_E_INTERNAL (-9)     /* a bug or an unexpected condition        */
#define WEBOX_E_QUOTA (-10)       /* out of credit or quota: not retryable   */

/* ---- Capabilities (append only) ----------------------------------------- */

#define WEBOX_CAP_CHAT (UINT64_C(1) << 0)
#define WEBOX_CAP_CHAT_STREAM (UINT64_C(1) << 1)
#define WEBOX_CAP_EMBED (UINT64_C(1) << 2)
#define WEBOX_CAP_IMAGE (UINT64_C(1) << 3)
#define WEBOX_CAP_TTS (UINT64_C(1) << 4)
#define WEBOX_CAP_STT (UINT64_C(1) << 5)
#define WEBOX_CAP_SOCIAL_COLLECT (UINT64_C(1) << 6)
#define WEBOX_CAP_SOCIAL_SEND (UINT64_C(1) << 7)
/* ABI 1.3. Tool calling in the chat and chat_stream documents (manifest
 * capability "tools"; no slot of its own). The host never sends "tools" to a
 * plugin without this bit. The fields, in the provider-neutral shape every
 * plugin translates to its wire format (docs/ARCHITECTURE.md, "Plugin
 * operations"):
 *   request  "tools": [{"name","description","input_schema": JSON Schema}],
 *            "tool_choice": "auto" | "none" | "required" | {"name": "x"};
 *   messages {"role":"assistant","content":"...","tool_calls":[{"id","name",
 *            "arguments":{...},"extra":{...}}]} and {"role":"tool",
 *            "tool_call_id","name","content":"text","is_error":false};
 *   event    {"type":"tool_call","id","name","arguments":{...},"extra":{...}}
 *            once per COMPLETE call (text deltas still stream at once);
 *            arguments that are not valid JSON: "arguments": null plus
 *            "arguments_text": "<raw>";
 *   result   "tool_calls": [the same objects], "finish_reason": "tool_calls".
 * "extra" is opaque provider state the host stores and sends back untouched
 * (Gemini's thoughtSignature); a plugin synthesises ids when the provider
 * has none (Gemini, Ollama). */
#define WEBOX_CAP_TOOLS (UINT64_C(1) << 8)

/* ---- Log levels (0 is deliberately not a level) ------------------------- */

#define WEBOX_LOG_TRACE 1
#define WEBOX_LOG_DEBUG 2
#define WEBOX_LOG_INFO 3
#define WEBOX_LOG_WARN 4
#define WEBOX_LOG_ERROR 5

/* ---- Owned bytes --------------------------------------------------------
 * The producer fills every field. The receiver of a buf whose `data` is
 * non-NULL MUST call `release(self)` exactly once, unless `release` is NULL
 * (static data). `owner` is the producer's private bookkeeping.
 * Frozen: this struct never grows. */
typedef struct webox_buf {
  const char *data;
  size_t size;
  void (*release)(struct webox_buf *self);
  void *owner;
} webox_buf;

/* Borrowed bytes, valid only during this call. Called on the calling thread,
 * never after the operation that received it returns. Non-zero = stop.
 * webox_sink_fn receives one JSON event per call (STREAMING above) or, from
 * http_stream, one framed unit of the body. */
typedef int (*webox_sink_fn)(void *user, const char *data, size_t size);

/* ABI 1.3. The sink of `tts`: raw audio bytes, in order, not JSON events.
 * The same signature as webox_sink_fn (so a C typedef of the same type:
 * source- and binary-compatible with plugins built against ABI 1.2); the
 * name says what the bytes are. */
typedef int (*webox_byte_sink_fn)(void *user, const char *data, size_t size);

/* ---- Per-operation context (host-owned, read-only for plugins) ---------- */
typedef struct webox_call {
  uint32_t struct_size;
  uint64_t call_id;     /* for log correlation                        */
  int64_t deadline_ms;  /* CLOCK_MONOTONIC milliseconds, 0 = none     */
  void *host_private;   /* the plugin MUST NOT touch it               */
} webox_call;

/* ---- Requests and results ------------------------------------------------
 * `json` is the operation's request document; its shape for each
 * operation is the JSON Schema <operation>.request.json installed with the
 * SDK (share/webox/sdk/schemas/; in the source tree plugins/sdk/schemas/). `blob` carries binary
 * input such as audio for speech-to-text. Everything is borrowed. */
typedef struct webox_request {
  uint32_t struct_size;
  const char *json;
  size_t json_size;
  const char *blob;
  size_t blob_size;
} webox_request;

/* The host zero-fills it and sets struct_size; the plugin fills what it has;
 * the host releases every non-empty buf. */
typedef struct webox_result {
  uint32_t struct_size;
  webox_buf json;  /* the response document                           */
  webox_buf blob;  /* image or audio bytes; `json` names the media type */
  webox_buf error; /* JSON detail when the status is not WEBOX_OK       */
} webox_result;

/* ---- Host HTTP ------------------------------------------------------------ */

/* Framing for http_stream: how the host cuts the body before calling the
 * sink. The host handles any split of bytes across reads, LF, CRLF and CR
 * line ends, SSE comments, multi-line `data:` fields and gzip. */
#define WEBOX_HTTP_RAW 0u    /* sink gets body bytes as they arrive         */
#define WEBOX_HTTP_SSE 1u    /* sink gets one SSE event's data per call     */
#define WEBOX_HTTP_NDJSON 2u /* sink gets one non-empty line per call       */

/* webox_http_request.flags (ABI 1.1). WEBOX_HTTP_ONCE marks a request that
 * must not be repeated once it may have reached the server (a message sent
 * to a person: the platforms give sends no idempotency key). The host then
 * retries it only when nothing was sent (the connection or the name lookup
 * failed); a timeout or a connection lost after sending is returned as is.
 * `should_retry` still decides about HTTP statuses. A plugin that sets it
 * MUST declare min_host_minor 1: an ABI 1.0 host does not read `flags`. */
#define WEBOX_HTTP_ONCE 1u

/* Decides whether a failed attempt may be retried. `status` is the HTTP
 * status; `body` the (possibly truncated) error body. Return 1 to retry, 0
 * not to, or -1 to apply the host's default policy (retry 408, 409, 429 and
 * 5xx), which is also what a NULL callback means. A plugin thus only states
 * its exceptions, e.g. "not this 429: it says the account is out of credit". */
typedef int (*webox_retry_fn)(void *user, int32_t status, const char *body,
                              size_t body_size);

/* ABI 1.2. For an answer the host is about to retry: how long, in
 * milliseconds, the error body asks to wait (e.g. Google's
 * RetryInfo.retryDelay), or -1 when it says nothing; the host then reads
 * Retry-After. The host bounds every such wait (http.max_retry_wait_ms): a
 * longer one is not waited for. Called with `retry_user`. An ABI 1.1 host
 * does not read it and backs off on its own, so setting it needs no
 * min_host_minor. */
typedef int64_t (*webox_retry_delay_fn)(void *user, int32_t status,
                                        const char *body, size_t body_size);

typedef struct webox_http_request {
  uint32_t struct_size;
  const char *method;               /* "GET", "POST", ...                  */
  const char *url;                  /* absolute URL                        */
  const char *const *headers;       /* "Name: value", NULL-terminated      */
  const char *body;
  size_t body_size;
  int32_t timeout_ms;               /* idle-read timeout; 0 = host default */
  uint32_t framing;                 /* WEBOX_HTTP_* for http_stream        */
  webox_retry_fn should_retry;      /* NULL = host default                 */
  void *retry_user;
  /* ABI 1.1 */
  uint32_t flags;                   /* WEBOX_HTTP_ONCE, or 0               */
  /* ABI 1.2 */
  webox_retry_delay_fn retry_delay; /* NULL = Retry-After headers only     */
  /* Later members are appended here, never above. */
} webox_http_request;

/* Filled by the host. For a 2xx answer to http_stream the body went to the
 * sink and `body` is empty; for any other status the host collects the
 * error body (bounded) into `body` so the plugin can name the provider's
 * error. `headers` holds the final response's headers, one per line. When
 * the call returns a failure (no response, or the stream broke), `body`
 * holds a one-line description of what went wrong, for the plugin's message. */
typedef struct webox_http_response {
  uint32_t struct_size;
  int32_t status;   /* 0 = no response arrived                        */
  webox_buf headers;
  webox_buf body;
} webox_http_response;

/* ---- Host services ---------------------------------------------------------
 * Lent by the host from the entry call until the process ends. Every
 * function is thread-safe. `call` MAY be NULL outside an operation.
 *
 * http / http_stream return WEBOX_OK when a response arrived (whatever its
 * status: check `resp->status`), or a failure class when none did
 * (WEBOX_E_NETWORK, WEBOX_E_TIMEOUT, WEBOX_E_CANCELLED). The host retries
 * with backoff (honouring retry-after-ms and Retry-After) before returning;
 * http_stream retries only while nothing has been handed to the sink.
 *
 * get_secret looks `name` up in the environment, then in the encrypted keys
 * file; it returns WEBOX_E_AUTH when it is found in neither. The host
 * registers every value it hands out for redaction from all logs.
 *
 * get_setting (ABI 1.3) is for what is not a secret: an account, page or
 * organisation id the plugin needs (INSTAGRAM_PAGE_ID). It looks `name` up in
 * the environment, then in the keys file (where older releases told users to
 * keep such ids), then in the config file (social.<plugin id>.<name in lower
 * case without the "<PLUGIN ID>_" prefix: page_id); it returns
 * WEBOX_E_UNSUPPORTED when it is found nowhere. Values are NOT registered for
 * redaction: ids must stay readable in logs. A plugin that calls it either
 * declares min_host_minor 3 or checks `abi_minor >= 3` first and falls back
 * to get_secret (webox::sdk::setting does). */
typedef struct webox_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  const char *host_version;
  void (*log)(const webox_call *call, int level, const char *message);
  webox_status (*get_secret)(const webox_call *call, const char *name,
                             webox_buf *out);
  webox_status (*http)(const webox_call *call, const webox_http_request *req,
                       webox_http_response *resp);
  webox_status (*http_stream)(const webox_call *call,
                              const webox_http_request *req,
                              webox_sink_fn on_data, void *user,
                              webox_http_response *resp);
  int (*is_cancelled)(const webox_call *call);
  void *(*alloc)(size_t size);
  void (*free)(void *ptr);
  /* ABI 1.3 */
  webox_status (*get_setting)(const webox_call *call, const char *name,
                              webox_buf *out);
  /* Later members are appended here, never above. */
} webox_host_api;

/* ---- The descriptor -------------------------------------------------------- */

typedef struct webox_instance webox_instance; /* defined by each plugin */

typedef webox_status (*webox_op_fn)(webox_instance *self,
                                    const webox_call *call,
                                    const webox_request *req,
                                    webox_result *out);
typedef webox_status (*webox_stream_op_fn)(webox_instance *self,
                                           const webox_call *call,
                                           const webox_request *req,
                                           webox_sink_fn on_event, void *user,
                                           webox_result *out);
/* ABI 1.3: the `tts` slot's type, whose sink takes audio bytes. The same
 * function type as webox_stream_op_fn, so older plugins still fit. */
typedef webox_status (*webox_tts_fn)(webox_instance *self,
                                     const webox_call *call,
                                     const webox_request *req,
                                     webox_byte_sink_fn on_audio, void *user,
                                     webox_result *out);

/* Static in the plugin: the host never writes or frees it. A set capability
 * bit promises a non-NULL slot inside `struct_size`; the host refuses the
 * plugin otherwise.
 *
 * create: `config_json` holds the instance's settings resolved by the host
 *   ({"instance":"openai","base_url":"...","api_key_name":"...",
 *   "options":{...}}). On success *out is set; on failure `error` is filled.
 * destroy: called exactly once per successful create.
 * describe: JSON about the instance (models, voices, limits).
 *
 * Operation documents per capability are specified by the JSON Schemas of
 * share/webox/sdk/schemas/ (request, result, events). One exception to "events are JSON": the sink of
 * `tts` receives the audio bytes themselves, in order, as they are produced,
 * so that the host can write them to a file without holding them in memory;
 * `result.json` then names the media type. */
typedef struct webox_plugin {
  uint32_t struct_size;
  uint16_t abi_major;      /* WEBOX_ABI_MAJOR at build time          */
  uint16_t min_host_minor; /* oldest host minor whose services it uses */
  const char *id;          /* equals the manifest's "id"             */
  const char *version;     /* the plugin's own version               */
  uint64_t capabilities;   /* WEBOX_CAP_* bits                       */
  webox_status (*create)(const char *config_json, size_t config_size,
                         webox_instance **out, webox_buf *error);
  void (*destroy)(webox_instance *self);
  webox_status (*describe)(webox_instance *self, webox_buf *out_json);
  webox_op_fn chat;
  webox_stream_op_fn chat_stream;
  webox_op_fn embed;
  webox_op_fn image;
  webox_tts_fn tts;       /* the sink receives raw audio bytes, not JSON  */
  webox_op_fn stt;
  webox_stream_op_fn social_collect; /* one "item" event per item     */
  webox_op_fn social_send;
  /* ABI 1.4 */
  webox_op_fn list_models; /* WEBOX_CAP_LIST_MODELS: see "ABI 1.4" at the end */
  /* ABI 1.5 (webhooks) */
  webox_stream_op_fn webhook; /* WEBOX_CAP_WEBHOOKS: see "ABI 1.5 (webhooks)" at the end */
  /* ABI 1.5 (batch) */
  webox_op_fn batch;                /* WEBOX_CAP_BATCH: see "ABI 1.5 (batch)" */
  webox_stream_op_fn batch_results; /* WEBOX_CAP_BATCH: one "result" event a request */
  /* ABI 1.6 (auth) */
  webox_op_fn auth; /* WEBOX_CAP_AUTH: see "ABI 1.6 (auth)" at the end */
  /* Later members are appended here, never above. */
} webox_plugin;

/* ---- The one exported symbol -----------------------------------------------
 * The host calls it once, right after dlopen. The plugin MUST keep `host`
 * (it stays valid until the process ends), MUST set *out to its static
 * descriptor and return WEBOX_OK, or return WEBOX_E_UNSUPPORTED when
 * host->abi_major differs from the one it was built for. */
#define WEBOX_ENTRY_SYMBOL "webox_plugin_entry_v1"
typedef webox_status (*webox_entry_fn)(const webox_host_api *host,
                                       const webox_plugin **out);
WEBOX_EXPORT webox_status webox_plugin_entry_v1(const webox_host_api *host,
                                                const webox_plugin **out);

/* ---- ABI 1.4 ---------------------------------------------------------------- */

/* ABI 1.4 (attachments). Images in the chat and chat_stream documents
 * (manifest capability "vision"; no slot of its own). The content of a
 * message MAY be a list of parts instead of a string:
 *   {"role":"user","content":[
 *     {"type":"text","text":"What does this diagram show?"},
 *     {"type":"image","media_type":"image/png","data":"<base64, RFC 4648, no
 *      line breaks>","name":"schema.png"}]}
 * media_type is one of image/png, image/jpeg, image/gif, image/webp (the host
 * sniffed it from the bytes, never from the file name); "name" is for logs
 * and MAY be ignored. A plugin with the bit translates each image part to its
 * wire format (OpenAI-compatible `image_url` with a data: URL, Anthropic
 * `image` block with a base64 source, Gemini `inline_data`, Ollama the
 * message's `images`) and keeps text parts in order. The host never sends an
 * image part to a plugin without this bit, nor to a model that the plugin's
 * manifest lists in "models" but not in "vision_models" (both refused before
 * any request, WEBOX_E_UNSUPPORTED, exit 2); a model the manifest does not
 * name is sent, and its provider answers for it. Text files and the text of
 * PDFs are attached by the host as text inside the "text" part: no bit is
 * needed for them. */
#define WEBOX_CAP_VISION (UINT64_C(1) << 9)

/* ---- ABI 1.4: listing a provider's models ---------------------------------
 * WEBOX_CAP_LIST_MODELS (manifest capability "list-models") promises the
 * `list_models` slot appended to webox_plugin: the models the instance's
 * endpoint offers now (`webox models --refresh`). A plugin that sets the
 * bit MUST declare min_host_minor 4 (an older host does not read the slot).
 *
 * request (schemas/list_models.request.json):
 *   {"limit": 2000}   the most models the host keeps; the plugin stops asking
 *                     for more pages once it has that many.
 * result (schemas/list_models.result.json):
 *   {"models": [{"id": "gpt-4o-mini",          as -m provider:ID takes it
 *                "display_name": "GPT-4o mini", optional
 *                "capabilities": ["chat", "tools", "vision"],  optional: only
 *                              what the endpoint says; words among "chat",
 *                              "embeddings", "images", "audio", "tools",
 *                              "vision"
 *                "context_window": 128000}],    optional, input tokens
 *    "truncated": true}        present when `limit` or the page bound stopped it
 * The plugin follows the provider's pagination itself (Anthropic has_more/
 * last_id, Gemini nextPageToken), one request per page, at most 50 pages,
 * polling is_cancelled between pages. Errors are those of any operation
 * (WEBOX_E_AUTH for a missing key, WEBOX_E_NETWORK for an endpoint that is
 * down); the host then falls back on its cached list. */
#define WEBOX_CAP_LIST_MODELS (UINT64_C(1) << 10)

/* ---- ABI 1.5 (webhooks): deliveries pushed by a platform ------------------
 * WEBOX_CAP_WEBHOOKS (manifest capability "webhooks") promises the `webhook`
 * slot appended to webox_plugin after `list_models`. A plugin that sets the
 * bit MUST declare min_host_minor 5.
 *
 * The ROUTE is declared as data, in the manifest, so `webox serve` knows it
 * without loading the plugin and does every check itself:
 *   "webhooks": {"path": "instagram",               GET/POST /webhooks/<path>
 *                "secret": "INSTAGRAM_APP_SECRET",  HMAC-SHA256 key (a secret:
 *                                 environment, then the key store; redacted)
 *                "verify_token": "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",  the GET
 *                                 handshake's hub.verify_token (a secret too)
 *                "signature_header": "X-Hub-Signature-256",  "sha256=" + lower
 *                                 hex HMAC-SHA256 of the raw body
 *                "delivery_id_header": "..."}   optional: a header naming the
 *                                 delivery, deduplicated by the host
 * The host answers the GET handshake (hub.mode=subscribe, hub.verify_token,
 * hub.challenge: the challenge back, or 403), checks the signature of every
 * POST in constant time, its size and that it is JSON, and stores it before
 * answering 200. The plugin never sees an unverified byte.
 *
 * The SLOT is called later, from the host's queue worker, once per stored
 * delivery (possibly more than once for the same delivery after a crash or
 * a failure: what it emits MUST be idempotent, i.e. the same interaction ids
 * as its social_collect gives the same things).
 * request (schemas/webhook.request.json):
 *   {"delivery": {...the verified JSON body, as the platform sent it...},
 *    "options": {...social.<platform> of the config...}, "base_url"?: "..."}
 * events (schemas/webhook.events.json): exactly those of social_collect —
 *   {"type":"item","interaction":{RECORD}} and {"type":"item","post":{...}},
 *   {"type":"warning","message":"..."}; no checkpoint (a delivery is one
 *   page: the host commits its items in one transaction).
 * result (schemas/webhook.result.json): {"items": N, "skipped": N}, free-form
 *   counts logged at debug level.
 * A delivery the plugin cannot read (an object it does not know, a field
 * without what it needs) is not a failure: it is skipped and counted. A
 * failure (WEBOX_E_NETWORK, WEBOX_E_RATE_LIMITED, ... while the plugin
 * fetches details the payload lacks) makes the host retry the delivery a
 * few times, then park it as failed. */
#define WEBOX_CAP_WEBHOOKS (UINT64_C(1) << 11)

/* ---- ABI 1.5 (batch) ---------------------------------------------------------
 * WEBOX_CAP_BATCH (manifest capability "batch") promises the two slots
 * appended to webox_plugin after `webhook`: `batch` and `batch_results`.
 * They run many chat requests on the provider's own batch service (OpenAI
 * Batch API, Anthropic Message Batches): submitted at once, answered within
 * hours, at the provider's batch price. A plugin that sets the bit MUST
 * declare min_host_minor 5. The manifest MAY say the provider's limits,
 * which the host splits a batch by (default 10,000 requests, 100 MB):
 *   "batch_limits": {"max_requests": 50000, "max_bytes": 209715200}
 *
 * `batch` (schemas/batch.request.json, batch.result.json) takes an "action":
 *   {"action":"submit", "metadata":{"webox_batch":"12"}}   with `blob` = the
 *       requests as JSONL, one line per request: {"custom_id":"t0",
 *       "request":<the document the chat slot takes>}. custom_id is
 *       [A-Za-z0-9_-]{1,64}, unique in the batch. The plugin translates each
 *       line to its wire format as its chat slot would (no streaming) and
 *       submits them all; nothing is submitted when a line is refused
 *       (WEBOX_E_INVALID naming the custom_id).
 *   {"action":"status", "id":"batch_abc"}
 *   {"action":"cancel", "id":"batch_abc"}
 * and answers, for each action, the batch as it is now:
 *   {"id":"batch_abc", "status":S, "provider_status":"in_progress",
 *    "request_counts":{"total":10,"succeeded":4,"failed":1},
 *    "created_at":"2026-12-07T20:00:00Z"?, "message":"..."?}
 *   S is one of "in_progress" (validating, running, finalizing), "cancelling",
 *   "ended" (every request has its result), "expired" (the window passed;
 *   the results of the requests done are still available), "cancelled"
 *   (likewise), "failed" (the provider refused the batch as a whole; no
 *   results; "message" says why).
 *
 * `batch_results` takes {"id":"batch_abc", "max_results":N} for a batch whose
 * status is ended, expired or cancelled, and emits one event per request as
 * it reads the provider's result files (streamed: the host never needs the
 * whole file):
 *   {"type":"result", "custom_id":"t0", "ok":true,
 *    "answer":<the chat slot's result document: text, model, usage, ...>}
 *   {"type":"result", "custom_id":"t1", "ok":false,
 *    "error":{"kind":"errored"|"expired"|"cancelled", "message":"...",
 *             "http_status":400?, "provider_code":"..."?}}
 *   {"type":"warning", "message":"line 12 of the output file is not JSON"}
 * A line that cannot be read is a warning, never a result; at most
 * `max_results` result events are emitted (more is a WEBOX_E_UPSTREAM
 * failure). The result document: {"results":N, "warnings":M}. A request may
 * have no result at all (the host reports it as missing). */
#define WEBOX_CAP_BATCH (UINT64_C(1) << 12)

/* ---- ABI 1.6 (auth): signing in to a platform -------------------------------
 * WEBOX_CAP_AUTH (manifest capability "auth") promises the `auth` slot
 * appended to webox_plugin after `batch_results`. A plugin that sets the bit
 * MUST declare min_host_minor 6. It is how `webox auth login|refresh` gets a
 * platform token: the PLUGIN knows its platform's OAuth endpoints, parameters
 * and token exchanges; the HOST opens the browser, runs the one-shot loopback
 * redirect listener (http://127.0.0.1:<random port>/callback), makes and
 * checks `state` and the PKCE pair (RFC 7636, S256), applies the time limit,
 * and stores what the plugin answers in the encrypted key store.
 *
 * The request (schemas/auth.request.json) has an "action":
 *   {"action":"authorize", "redirect_uri":"http://127.0.0.1:PORT/callback",
 *    "state":"<43 url-safe chars>", "code_challenge":"<S256 of the verifier>",
 *    "code_challenge_method":"S256", "scopes":["..."]?  (default: the plugin's)}
 *     -> {"url":"https://...", "pkce":true|false}: the consent page to open.
 *        "pkce" says whether the plugin put the challenge in it (a platform
 *        without PKCE ignores it; the host then sends no verifier).
 *   {"action":"exchange", "code":"...", "redirect_uri":"...",
 *    "code_verifier":"..."?}   the code the redirect brought
 *   {"action":"refresh", "access_token":"..."?, "refresh_token":"..."?}
 *     the values stored under the names an earlier answer gave
 *     -> a TOKEN document (schemas/auth.result.json):
 *   {"access_token":"...", "refresh_token":"..."?, "expires_in":5184000?,
 *    "refresh_token_expires_in":N?, "scopes":["..."]?, "account":"..."?,
 *    "store_as":{"access_token":"INSTAGRAM_ACCESS_TOKEN",
 *                "refresh_token":"..."?}}
 *   "store_as" names the key-store entries the plugin reads its tokens from
 *   afterwards (get_secret); each MUST be among the manifest's "secrets".
 *   Fields added without a minor bump (the schemas say them): any action may
 *   carry "method" (`auth login P --via METHOD`; a plugin refuses one it does
 *   not offer, WEBOX_E_INVALID), exchange and refresh a "choice" (an account:
 *   `--page`); a token document may say "never_expires":true, "method",
 *   "choice" (sent back with each refresh) and "settings" {NAME: value},
 *   ids the host keeps in the key store under the plugin's own prefix. An
 *   exchange that gives several accounts may answer {"choices":[{"id",
 *   "name"}], "refresh_token", "store_as"} instead: the host picks one and
 *   sends a refresh with that "choice".
 *   The host registers every token for redaction the moment it reads the
 *   answer. A plugin MUST NOT put a token, a code, a verifier or a client
 *   secret in an error message or a log line, and SHOULD send tokens in
 *   bodies or headers rather than URLs where the platform allows it.
 * Failures: WEBOX_E_AUTH when the platform refused the code, the grant or the
 * token (OAuth "invalid_grant", Graph code 190: sign in again, exit 4),
 * WEBOX_E_INVALID when a client id or secret is missing (named in the
 * message), and the usual network classes. The client id, client secret and
 * endpoint overrides are the plugin's own settings (get_setting, get_secret). */
#define WEBOX_CAP_AUTH (UINT64_C(1) << 13)

#ifdef __cplusplus
}
#endif

#endif /* WEBOX_PLUGIN_H */
