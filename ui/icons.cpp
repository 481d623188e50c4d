#include "ui/icons.h"

#include <QFile>
#include <QPainter>
#include <QPixmap>
#include <QSvgRenderer>

// Outside any namespace, as Q_INIT_RESOURCE requires.
static void initDragDiffResources() { Q_INIT_RESOURCE(dragdiff); }

namespace dragdiff::ui {

void initResources() {
    static const bool once = (initDragDiffResources(), true);
    (void)once;
}

namespace {

QPixmap render(const QByteArray& svg, int size, qreal dpr) {
    QSvgRenderer renderer(svg);
    QPixmap pm(QSize(size, size) * dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    renderer.render(&p, QRectF(0, 0, size * dpr, size * dpr));
    p.end();
    pm.setDevicePixelRatio(dpr);
    return pm;
}

}  // namespace

QIcon themedIcon(const QString& name, const QPalette& palette) {
    initResources();
    QFile file(QString(":/icons/%1.svg").arg(name));
    if (!file.open(QIODevice::ReadOnly)) return {};
    const QByteArray source = file.readAll();
    QIcon icon;
    for (auto [mode, group] : {std::pair{QIcon::Normal, QPalette::Active}, std::pair{QIcon::Disabled, QPalette::Disabled}}) {
        QByteArray svg = source;
        const QColor ink = palette.color(group, QPalette::WindowText);
        svg.replace("#000000", ink.name(QColor::HexRgb).toLatin1());
        if (mode == QIcon::Disabled) svg.replace("<svg ", "<svg opacity=\"0.45\" ");
        for (int size : {16, 22, 24, 32, 48})
            for (qreal dpr : {1.0, 2.0}) icon.addPixmap(render(svg, size, dpr), mode);
    }
    return icon;
}

QIcon appIcon() {
    initResources();
    return QIcon(":/icons/dragdiff.svg");
}

}  // namespace dragdiff::ui
