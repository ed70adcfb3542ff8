// The "running" phase of a workflow run: worker threads that execute tasks
// and hand the results back to the scheduler thread. Workers only execute;
// they share nothing with the scheduler but the two queues.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "lib/workflow/task.hpp"

namespace webox::workflow {

// Executes one task on a worker thread. Never throws: failures are in the
// result (execute_task in production; tests pass a fake).
using TaskExecutor = std::function<TaskResult(const Task &)>;

// Joined on destruction, even when the scheduler leaves by an exception.
class WorkerPool {
public:
  using Done = std::pair<Task, TaskResult>;

  WorkerPool(int threads, TaskExecutor execute);
  ~WorkerPool();
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  void submit(Task task);

  // Waits up to `ms` for results; returns those available (maybe none).
  std::vector<Done> collect(int ms);

private:
  void work();

  TaskExecutor m_execute;
  std::mutex m_mutex;
  std::condition_variable m_work, m_done_cv;
  std::deque<Task> m_queue;
  std::deque<Done> m_done;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

} // namespace webox::workflow
