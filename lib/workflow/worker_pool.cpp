#include "lib/workflow/worker_pool.hpp"

#include <chrono>
#include <iterator>

namespace webox::workflow {

WorkerPool::WorkerPool(int threads, TaskExecutor execute) : m_execute(std::move(execute)) {
  for (int i = 0; i < threads; ++i) m_threads.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_work.notify_all();
  for (auto &t : m_threads) t.join();
}

void WorkerPool::submit(Task task) {
  {
    std::lock_guard lock(m_mutex);
    m_queue.push_back(std::move(task));
  }
  m_work.notify_one();
}

std::vector<WorkerPool::Done> WorkerPool::collect(int ms) {
  std::unique_lock lock(m_mutex);
  m_done_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return !m_done.empty(); });
  std::vector<Done> out(std::make_move_iterator(m_done.begin()), std::make_move_iterator(m_done.end()));
  m_done.clear();
  return out;
}

void WorkerPool::work() {
  while (true) {
    Task task;
    {
      std::unique_lock lock(m_mutex);
      m_work.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
      if (m_stopping) return; // the scheduler left (an error): queued tasks are dropped
      task = std::move(m_queue.front());
      m_queue.pop_front();
    }
    TaskResult r = m_execute(task);
    {
      std::lock_guard lock(m_mutex);
      m_done.emplace_back(std::move(task), std::move(r));
    }
    m_done_cv.notify_one();
  }
}

} // namespace webox::workflow
