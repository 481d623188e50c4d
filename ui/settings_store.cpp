#include "ui/settings_store.h"

#include <QMutex>
#include <QSettings>
#include <QThreadPool>
#include <QVariantMap>

#include <optional>

namespace dragdiff::ui::settings {
namespace {

struct Store {
    QMutex mutex;
    std::optional<QVariantMap> values;  // loaded at the first use
    QThreadPool writer;                 // one thread: the changes reach the file in order

    Store() {
        writer.setMaxThreadCount(1);
        writer.setExpiryTimeout(-1);
    }
    ~Store() { writer.waitForDone(); }

    QVariantMap& loaded() {
        if (!values) {
            values.emplace();
            const QSettings file;
            for (const QString& key : file.allKeys()) values->insert(key, file.value(key));
        }
        return *values;
    }
};

Store& store() {
    static Store s;
    return s;
}

}  // namespace

QVariant value(const QString& key, const QVariant& fallback) {
    Store& s = store();
    QMutexLocker lock(&s.mutex);
    return s.loaded().value(key, fallback);
}

void setValue(const QString& key, const QVariant& value) {
    Store& s = store();
    {
        QMutexLocker lock(&s.mutex);
        s.loaded().insert(key, value);
    }
    s.writer.start([key, value] { QSettings().setValue(key, value); });  // flushed as it goes away
}

void remove(const QString& key) {
    Store& s = store();
    {
        QMutexLocker lock(&s.mutex);
        s.loaded().remove(key);
    }
    s.writer.start([key] { QSettings().remove(key); });
}

void flush() { store().writer.waitForDone(); }

}  // namespace dragdiff::ui::settings
