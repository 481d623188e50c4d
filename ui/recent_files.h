#pragma once
// The "Open Recent" menu, kept in QSettings.
#include <QObject>
#include <QStringList>

class QMenu;

namespace dragdiff::ui {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    explicit RecentFiles(QMenu* menu, QObject* parent = nullptr);
    void add(const QString& path);
    QStringList files() const;

Q_SIGNALS:
    void openRequested(const QString& path);

private:
    void rebuild();
    QMenu* menu_;
    static constexpr int kMax = 10;
};

}  // namespace dragdiff::ui
