#pragma once
// The app's settings (QSettings) without disk flushes on the UI thread. QSettings writes its file
// (with fdatasync, through QSaveFile, under a lock every QSettings of the process shares) when an
// object with changes goes away; on a busy disk that held the UI thread for 0.2-0.3 s at each
// opened file, model choice or brush size change (found by the GUI monkey). Here reads come from a
// copy in memory taken at the first use, and writes change that copy at once and go to the file
// on a thread of their own, in the order they were made.
#include <QString>
#include <QVariant>

namespace dragdiff::ui::settings {

QVariant value(const QString& key, const QVariant& fallback = QVariant());
void setValue(const QString& key, const QVariant& value);
void remove(const QString& key);
// Waits until every change so far is in the file (a clean exit; tests).
void flush();

}  // namespace dragdiff::ui::settings
