#pragma once
// Runs slow work (decoding a 70-megapixel picture takes seconds) on a helper thread while the
// UI thread keeps painting and answering the engine. User input waits until the work is done, so
// nothing the user does can interleave with the half-finished operation that started it.
#include <QEventLoop>
#include <QThread>

#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace dragdiff::ui {

template <class Work>
auto callOffUiThread(Work work) -> decltype(work()) {
    std::optional<decltype(work())> result;
    std::exception_ptr error;
    QEventLoop loop;
    std::unique_ptr<QThread> thread(QThread::create([&] {
        try {
            result.emplace(work());
        } catch (...) {
            error = std::current_exception();
        }
    }));
    // Queued across threads: the quit is delivered inside exec(), even when the work ends first.
    QObject::connect(thread.get(), &QThread::finished, &loop, &QEventLoop::quit, Qt::QueuedConnection);
    thread->start();
    loop.exec(QEventLoop::ExcludeUserInputEvents);
    thread->wait();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

}  // namespace dragdiff::ui
