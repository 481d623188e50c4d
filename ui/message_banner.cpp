#include "ui/message_banner.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QStyle>

namespace dragdiff::ui {

MessageBanner::MessageBanner(QWidget* parent) : QWidget(parent) {
    setObjectName("messageBanner");
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(10, 6, 6, 6);
    icon_ = new QLabel(this);
    label_ = new QLabel(this);
    label_->setWordWrap(true);
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    action_ = new QPushButton(this);
    close_ = new QPushButton(tr("Dismiss"), this);
    row->addWidget(icon_);
    row->addWidget(label_, 1);
    row->addWidget(action_);
    row->addWidget(close_);
    connect(close_, &QPushButton::clicked, this, &QWidget::hide);
    connect(action_, &QPushButton::clicked, this, [this] {
        auto cb = callback_;
        hide();
        if (cb) cb();
    });
    hide();
}

void MessageBanner::showMessage(Kind kind, const QString& text, const QString& actionText,
                                std::function<void()> action) {
    kind_ = kind;
    label_->setText(text);
    callback_ = std::move(action);
    action_->setText(actionText);
    action_->setVisible(!actionText.isEmpty() && callback_);
    const auto icon = kind == Kind::Error ? QStyle::SP_MessageBoxWarning : QStyle::SP_MessageBoxInformation;
    icon_->setPixmap(style()->standardIcon(icon).pixmap(22, 22));
    update();
    show();
}

QString MessageBanner::text() const { return label_->text(); }

void MessageBanner::paintEvent(QPaintEvent*) {
    // Tinted towards red or blue from the current palette, so light and dark themes both read.
    // Painted here rather than with a style sheet, which would feed back into palette changes.
    const QColor base = palette().color(QPalette::Window);
    const QColor tint = kind_ == Kind::Error ? QColor(220, 50, 50) : QColor(50, 120, 220);
    const bool dark = base.lightness() < 128;
    const QColor bg = QColor::fromRgbF(base.redF() * 0.8 + tint.redF() * 0.2, base.greenF() * 0.8 + tint.greenF() * 0.2,
                                       base.blueF() * 0.8 + tint.blueF() * 0.2);
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(dark ? tint.lighter(120) : tint, 1));
    p.setBrush(bg);
    p.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
}

}  // namespace dragdiff::ui
