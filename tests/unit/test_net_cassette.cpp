#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/net/cassette.hpp"
#include "tests/unit/loopback_server.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox::net;

namespace {

std::string read_all(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> collect_stream(Cassette &c, const HttpClient &client, const Request &r, Outcome *out = nullptr) {
  std::vector<std::string> units;
  UnitSink sink = [&](std::string_view u) {
    units.emplace_back(u);
    return true;
  };
  Outcome o = c.exchange(client, r, Framing::sse, &sink);
  if (out) *out = o;
  return units;
}

} // namespace

TEST_CASE("a recorded exchange replays the same bytes, framed the same way, without the network", "[net][cassette]") {
  TempDir dir;
  webox::logging::register_secret("sk-cassette-secret-123");
  LoopbackServer server([](LoopbackServer::Connection &c, int n) {
    if (n == 1) {
      c.send(http_response(200, "data: {\"t\":\"a\"}\r\n\r\ndata: {\"t\":\"b\"}\n\n\n\n",
                           "Content-Type: text/event-stream\r\nSet-Cookie: s=1\r\n"));
    } else {
      std::string body = std::string("PNG\0\x1a\r\n", 8);
      c.send(http_response(200, body, "Content-Type: image/png\r\n"));
    }
  });
  HttpClient client;
  Request stream_req;
  stream_req.method = "POST";
  stream_req.url = server.url("/v1/chat?key=sk-cassette-secret-123");
  stream_req.body = R"({"k":"sk-cassette-secret-123","q":1})";
  stream_req.headers = {"Authorization: Bearer sk-cassette-secret-123"};
  Request binary_req;
  binary_req.url = server.url("/img");

  auto file = dir.path / "c.jsonl";
  std::vector<std::string> live;
  std::string live_binary;
  {
    auto rec = Cassette::record_to(file);
    live = collect_stream(*rec, client, stream_req);
    live_binary = rec->exchange(client, binary_req, Framing::raw, nullptr).response.body;
    CHECK_FALSE(std::filesystem::exists(file)); // complete only when finished
    rec->finish();
    CHECK(rec->recorded() == 2);
  }
  CHECK(live == std::vector<std::string>{R"({"t":"a"})", R"({"t":"b"})"});
  std::string text = read_all(file);
  CHECK(text.find("sk-cassette-secret-123") == std::string::npos);
  CHECK(text.find("Bearer") == std::string::npos);
  CHECK(text.find("Set-Cookie") == std::string::npos);
  CHECK(text.find("body_base64") != std::string::npos);

  auto replay = Cassette::replay_from(file);
  HttpClient unreachable; // nothing is listening for replayed requests anyway
  Outcome o;
  CHECK(collect_stream(*replay, unreachable, stream_req, &o) == live);
  CHECK(o.response.status == 200);
  CHECK(replay->exchange(unreachable, binary_req, Framing::raw, nullptr).response.body == live_binary);
  // Identical requests again: the last recorded answer, as a retry would get.
  CHECK(collect_stream(*replay, unreachable, stream_req) == live);

  Request other = stream_req;
  other.body = R"({"q":2})";
  Outcome miss = replay->exchange(unreachable, other, Framing::sse, nullptr);
  CHECK(miss.failure == Failure::network);
  CHECK(miss.message.find("not in the replay file") != std::string::npos);
}

TEST_CASE("a malformed replay file is refused with its line number", "[net][cassette]") {
  TempDir dir;
  auto file = dir.write("bad.jsonl", "{\"method\":\"GET\",\"url\":\"http://x\"}\nnot json\n");
  CHECK_THROWS_WITH(Cassette::replay_from(file), Catch::Contains("bad.jsonl:2"));
  CHECK_THROWS_AS(Cassette::replay_from(dir.path / "missing.jsonl"), webox::UsageError);
}
