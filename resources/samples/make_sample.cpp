// Draws resources/samples/sample.png, the picture DragDiff offers on first start: a 256x256 scene
// (sky, sun, mountains, lake, a red ball on the grass) with clear parts to drag around. Built
// only on request (`cmake --build build --target make_sample_image`); the PNG is committed.
#include <QGuiApplication>
#include <QImage>
#include <QLinearGradient>
#include <QPainter>
#include <QPainterPath>
#include <QRadialGradient>

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("sample.png");
    QImage image(256, 256, QImage::Format_RGB32);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    QLinearGradient sky(0, 0, 0, 150);
    sky.setColorAt(0, QColor(70, 130, 210));
    sky.setColorAt(1, QColor(200, 225, 245));
    p.fillRect(image.rect(), sky);
    QRadialGradient sun(196, 52, 34);
    sun.setColorAt(0, QColor(255, 245, 200));
    sun.setColorAt(0.55, QColor(255, 215, 110));
    sun.setColorAt(1, QColor(255, 215, 110, 0));
    p.setPen(Qt::NoPen);
    p.setBrush(sun);
    p.drawEllipse(QPointF(196, 52), 34, 34);
    // Far and near mountain ranges.
    QPainterPath far;
    far.moveTo(0, 150);
    far.lineTo(40, 100);
    far.lineTo(70, 120);
    far.lineTo(115, 70);
    far.lineTo(160, 118);
    far.lineTo(200, 95);
    far.lineTo(256, 140);
    far.lineTo(256, 170);
    far.lineTo(0, 170);
    p.setBrush(QColor(110, 125, 160));
    p.drawPath(far);
    QPainterPath snow;
    snow.moveTo(115, 70);
    snow.lineTo(101, 85);
    snow.lineTo(110, 82);
    snow.lineTo(117, 88);
    snow.lineTo(124, 80);
    snow.lineTo(130, 86);
    snow.closeSubpath();
    p.setBrush(QColor(245, 248, 252));
    p.drawPath(snow);
    QPainterPath near;
    near.moveTo(0, 165);
    near.cubicTo(50, 130, 90, 150, 130, 150);
    near.cubicTo(180, 150, 210, 128, 256, 150);
    near.lineTo(256, 256);
    near.lineTo(0, 256);
    QLinearGradient grass(0, 140, 0, 256);
    grass.setColorAt(0, QColor(90, 160, 70));
    grass.setColorAt(1, QColor(45, 110, 45));
    p.setBrush(grass);
    p.drawPath(near);
    // A lake catching the sky.
    QLinearGradient water(0, 185, 0, 225);
    water.setColorAt(0, QColor(120, 170, 220));
    water.setColorAt(1, QColor(70, 120, 185));
    p.setBrush(water);
    p.drawEllipse(QRectF(130, 185, 110, 34));
    // The ball, with a shadow and a highlight.
    p.setBrush(QColor(0, 0, 0, 60));
    p.drawEllipse(QRectF(48, 219, 56, 12));
    QRadialGradient ball(68, 186, 34, 64, 180);
    ball.setColorAt(0, QColor(255, 140, 130));
    ball.setColorAt(0.35, QColor(225, 45, 40));
    ball.setColorAt(1, QColor(120, 15, 20));
    p.setBrush(ball);
    p.drawEllipse(QPointF(76, 196), 26, 26);
    // Two small trees.
    for (auto [x, y, s] : {std::tuple{178.0, 168.0, 1.0}, std::tuple{205.0, 160.0, 0.8}}) {
        p.setBrush(QColor(100, 70, 40));
        p.drawRect(QRectF(x - 2 * s, y, 4 * s, 14 * s));
        p.setBrush(QColor(40, 100, 50));
        QPainterPath tree;
        tree.moveTo(x, y - 26 * s);
        tree.lineTo(x - 12 * s, y + 2 * s);
        tree.lineTo(x + 12 * s, y + 2 * s);
        tree.closeSubpath();
        p.drawPath(tree);
    }
    p.end();
    return image.save(out, "PNG") ? 0 : 1;
}
