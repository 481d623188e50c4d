#include "ui/recent_files.h"

#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include "ui/settings_store.h"

namespace dragdiff::ui {

RecentFiles::RecentFiles(QMenu* menu, QObject* parent) : QObject(parent), menu_(menu) { rebuild(); }

QStringList RecentFiles::files() const { return settings::value("recentFiles").toStringList(); }

void RecentFiles::add(const QString& path) {
    const QString abs = QFileInfo(path).absoluteFilePath();
    QStringList list = files();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMax) list.removeLast();
    settings::setValue("recentFiles", list);
    rebuild();
}

void RecentFiles::rebuild() {
    menu_->clear();
    const QStringList list = files();
    int n = 0;
    for (const QString& path : list) {
        if (!QFileInfo::exists(path)) continue;
        ++n;
        const QString text = QString("&%1 %2").arg(n % 10).arg(QFileInfo(path).fileName());
        QAction* a = menu_->addAction(text, this, [this, path] { Q_EMIT openRequested(path); });
        a->setToolTip(QDir::toNativeSeparators(path));
        a->setStatusTip(QDir::toNativeSeparators(path));
    }
    if (n == 0) menu_->addAction(tr("No Recent Files"))->setEnabled(false);
    else {
        menu_->addSeparator();
        menu_->addAction(tr("Clear Menu"), this, [this] {
            settings::remove("recentFiles");
            rebuild();
        });
    }
}

}  // namespace dragdiff::ui
