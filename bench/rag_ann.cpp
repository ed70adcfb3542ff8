// The approximate index question of issue 17, measured: what hnswlib (Debian
// libhnswlib-dev) costs a `webox rag search`, which is a fresh process each
// time. Builds an HNSW index of N random unit vectors of D dimensions, saves
// it, then (in a child process, as a search would) loads it and answers Q
// queries; recall@10 against the exact scan of the same vectors.
//
//   bench/rag_ann.sh [N] [D]       (compiles this file, runs it; nothing here
//                                   is part of webox or of the test suite)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <hnswlib/hnswlib.h>

namespace {

double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<float> unit_vectors(size_t n, size_t d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> v(n * d);
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < d; ++j) s += double(v[i * d + j] = g(rng)) * v[i * d + j];
    for (size_t j = 0; j < d; ++j) v[i * d + j] /= float(std::sqrt(s));
  }
  return v;
}

std::vector<size_t> exact_top(const std::vector<float> &v, size_t d, const float *q, size_t k) {
  std::vector<std::pair<float, size_t>> s(v.size() / d);
  for (size_t i = 0; i < s.size(); ++i) {
    float x = 0;
    for (size_t j = 0; j < d; ++j) x += v[i * d + j] * q[j];
    s[i] = {-x, i};
  }
  std::partial_sort(s.begin(), s.begin() + k, s.end());
  std::vector<size_t> out;
  for (size_t i = 0; i < k; ++i) out.push_back(s[i].second);
  return out;
}

} // namespace

int main(int argc, char **argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 20000, d = argc > 2 ? std::stoul(argv[2]) : 384;
  const std::string file = argc > 3 ? argv[3] : "/tmp/rag_ann.hnsw";
  const size_t queries = 50, k = 10;
  hnswlib::InnerProductSpace space(d);
  const std::vector<float> data = unit_vectors(n, d, 5);
  {
    double c0 = cpu_ms(), w0 = wall_ms();
    hnswlib::HierarchicalNSW<float> index(&space, n, 16, 100);
    for (size_t i = 0; i < n; ++i) index.addPoint(data.data() + i * d, i);
    std::printf("build   %zu x %zu (M 16, ef_construction 100): cpu %.0f ms, wall %.0f ms\n", n, d, cpu_ms() - c0,
                wall_ms() - w0);
    index.saveIndex(file);
  }
  std::fflush(stdout);
  const std::vector<float> qs = unit_vectors(queries, d, 9);
  // A fresh process, as every `webox rag search` is.
  const pid_t child = fork();
  if (child == 0) {
    double c0 = cpu_ms(), w0 = wall_ms();
    hnswlib::HierarchicalNSW<float> index(&space, file);
    std::printf("load    (fresh process): cpu %.0f ms, wall %.0f ms\n", cpu_ms() - c0, wall_ms() - w0);
    for (size_t ef : {32, 64, 128}) {
      index.setEf(ef);
      size_t hit = 0;
      std::vector<double> t;
      for (size_t q = 0; q < queries; ++q) {
        const double s0 = wall_ms();
        auto found = index.searchKnn(qs.data() + q * d, k);
        t.push_back(wall_ms() - s0);
        const std::vector<size_t> want = exact_top(data, d, qs.data() + q * d, k);
        for (; !found.empty(); found.pop())
          hit += std::count(want.begin(), want.end(), found.top().second);
      }
      std::sort(t.begin(), t.end());
      std::printf("search  ef %3zu: p50 %.2f ms, recall@%zu %.3f\n", ef, t[t.size() / 2], k,
                  double(hit) / double(queries * k));
    }
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  double c0 = cpu_ms();
  for (size_t q = 0; q < queries; ++q) exact_top(data, d, qs.data() + q * d, k);
  std::printf("exact   scan of the vectors in memory (scalar): %.1f ms a query\n", (cpu_ms() - c0) / queries);
  std::remove(file.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
