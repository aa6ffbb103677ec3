// Mutex, MutexLock, UniqueLock: std::mutex with Clang's thread-safety annotations (issue 27
// item 4), as Abseil's Mutex and LLVM's own wrappers carry them. Shared state in the server is
// declared SYNCLINE_GUARDED_BY(its mutex) and functions that expect a lock held say
// SYNCLINE_REQUIRES; `clang++-15 -fsyntax-only -Wthread-safety` (scripts/thread-safety, run by
// `make test`) then proves every access holds it. GCC ignores the attributes; the code is the
// same std::mutex either way.
//
// Condition variables wait through UniqueLock; a wait's condition is written as a loop in the
// function holding the lock (a predicate lambda is a function of its own to the analysis).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define SYNCLINE_TSA(x) __attribute__((x))
#else
#define SYNCLINE_TSA(x)
#endif

#define SYNCLINE_CAPABILITY(x) SYNCLINE_TSA(capability(x))
#define SYNCLINE_SCOPED_CAPABILITY SYNCLINE_TSA(scoped_lockable)
#define SYNCLINE_GUARDED_BY(x) SYNCLINE_TSA(guarded_by(x))
#define SYNCLINE_PT_GUARDED_BY(x) SYNCLINE_TSA(pt_guarded_by(x))
#define SYNCLINE_REQUIRES(...) SYNCLINE_TSA(requires_capability(__VA_ARGS__))
#define SYNCLINE_ACQUIRE(...) SYNCLINE_TSA(acquire_capability(__VA_ARGS__))
#define SYNCLINE_RELEASE(...) SYNCLINE_TSA(release_capability(__VA_ARGS__))
#define SYNCLINE_EXCLUDES(...) SYNCLINE_TSA(locks_excluded(__VA_ARGS__))
// For the rare function the analysis cannot follow (a lock taken again on some paths only);
// each use says why the function is right.
#define SYNCLINE_NO_THREAD_SAFETY_ANALYSIS SYNCLINE_TSA(no_thread_safety_analysis)

namespace syncline {

class SYNCLINE_CAPABILITY("mutex") Mutex {
 public:
  void lock() SYNCLINE_ACQUIRE() { m_.lock(); }
  void unlock() SYNCLINE_RELEASE() { m_.unlock(); }

 private:
  friend class UniqueLock;
  std::mutex m_;
};

// Holds the mutex for its scope.
class SYNCLINE_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& m) SYNCLINE_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~MutexLock() SYNCLINE_RELEASE() { m_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& m_;
};

// Holds the mutex for its scope, except while it waits on a condition variable or between an
// unlock() and the next lock().
class SYNCLINE_SCOPED_CAPABILITY UniqueLock {
 public:
  explicit UniqueLock(Mutex& m) SYNCLINE_ACQUIRE(m) : lock_(m.m_) {}
  ~UniqueLock() SYNCLINE_RELEASE() {}
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;

  void lock() SYNCLINE_ACQUIRE() { lock_.lock(); }
  void unlock() SYNCLINE_RELEASE() { lock_.unlock(); }

  // The mutex is released while waiting and held again on return (also on a timeout).
  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  template <class Clock, class Duration>
  std::cv_status wait_until(std::condition_variable& cv,
                            const std::chrono::time_point<Clock, Duration>& t) {
    return cv.wait_until(lock_, t);
  }
  // `done` must read only what the caller's own scope holds (no guarded member).
  template <class Rep, class Period, class Done>
  bool wait_for(std::condition_variable& cv, const std::chrono::duration<Rep, Period>& d,
                Done done) {
    return cv.wait_for(lock_, d, done);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace syncline
