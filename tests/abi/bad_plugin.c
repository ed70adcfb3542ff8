/* Test plugins for the loader and the conformance test, written in plain C
 * to show that the contract needs nothing else. One source, one defect per
 * build (BAD_<CASE>); BAD_COUNTING is the well-behaved one, which counts the
 * buffers it hands out and the ones the host gives back. */
#include <stdio.h>
#include <string.h>

#include <webox/plugin.h>

static const webox_host_api *g_host;
static unsigned long g_given, g_released;

struct webox_instance { int unused; };
static struct webox_instance g_instance;

static void release_counted(webox_buf *self) {
  ++g_released;
  g_host->free((void *)self->data);
  self->data = NULL;
  self->size = 0;
}

static void give_text(const char *text, webox_buf *out) {
  size_t n = strlen(text);
  char *copy = (char *)g_host->alloc(n);
  memcpy(copy, text, n);
  out->data = copy;
  out->size = n;
  out->release = release_counted;
  out->owner = NULL;
  ++g_given;
}

static webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  (void)config; (void)size; (void)error;
  *out = &g_instance;
  return WEBOX_OK;
}

static void destroy(webox_instance *self) { (void)self; }

static webox_status describe(webox_instance *self, webox_buf *out) {
  static char text[128];
  (void)self;
  snprintf(text, sizeof text, "{\"given\":%lu,\"released\":%lu}", g_given, g_released);
  out->data = text; /* static: release stays NULL */
  out->size = strlen(text);
  out->release = NULL;
  out->owner = NULL;
  return WEBOX_OK;
}

static webox_status chat(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  (void)self; (void)call; (void)req;
  give_text("{\"text\":\"counted\",\"model\":\"c\"}", &out->json);
  return WEBOX_OK;
}

/* Emits deltas until the host cancels or the sink says stop; gives up after
 * 1000 so that a broken host cannot hang the test. */
__attribute__((unused)) static webox_status chat_stream(webox_instance *self, const webox_call *call, const webox_request *req,
                                webox_sink_fn sink, void *user, webox_result *out) {
  static const char delta[] = "{\"type\":\"delta\",\"text\":\"x\"}";
  int i;
  (void)self; (void)req;
  for (i = 0; i < 1000; ++i) {
    if (g_host->is_cancelled(call)) {
      give_text("{\"message\":\"counting: cancelled by the host\"}", &out->error);
      return WEBOX_E_CANCELLED;
    }
    if (sink(user, delta, sizeof delta - 1) != 0) {
      give_text("{\"message\":\"counting: stopped by the sink\"}", &out->error);
      return WEBOX_E_CANCELLED;
    }
  }
  give_text("{\"text\":\"done\"}", &out->json);
  return WEBOX_OK;
}

#ifndef PLUGIN_ID
#define PLUGIN_ID "counting"
#endif

static const webox_plugin descriptor = {
#if BAD_SMALL_DESCRIPTOR
    16,
#else
    sizeof(webox_plugin),
#endif
#if BAD_WRONG_ABI
    2,
#else
    WEBOX_ABI_MAJOR,
#endif
    0,
#if BAD_ID_MISMATCH
    "someone-else",
#else
    PLUGIN_ID,
#endif
    "1.0.0",
#if BAD_CAPS_MISMATCH
    WEBOX_CAP_CHAT,
#else
    WEBOX_CAP_CHAT | WEBOX_CAP_CHAT_STREAM,
#endif
    create,
    destroy,
    describe,
    chat,
#if BAD_CAP_WITHOUT_SLOT
    NULL,
#else
    chat_stream,
#endif
    NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, /* list_models (ABI 1.4) */
    NULL, /* webhook (ABI 1.5) */
    NULL, /* batch (ABI 1.5) */
    NULL, /* batch_results (ABI 1.5) */
    NULL, /* auth (ABI 1.6) */
};

#if BAD_NO_ENTRY
WEBOX_EXPORT webox_status webox_plugin_entry_v0(const webox_host_api *host, const webox_plugin **out);
WEBOX_EXPORT webox_status webox_plugin_entry_v0(const webox_host_api *host, const webox_plugin **out) {
#else
WEBOX_EXPORT webox_status webox_plugin_entry_v1(const webox_host_api *host, const webox_plugin **out) {
#endif
  if (host->abi_major != WEBOX_ABI_MAJOR) return WEBOX_E_UNSUPPORTED;
  g_host = host;
  *out = &descriptor;
  return WEBOX_OK;
}
