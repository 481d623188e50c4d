#include "ui/message_banner.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

namespace dragdiff::ui {

MessageBanner::MessageBanner(QWidget* parent) : QFrame(parent) {
    setObjectName("messageBanner");
    setFrameShape(QFrame::StyledPanel);
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
    applyColours();
    show();
}

QString MessageBanner::text() const { return label_->text(); }

void MessageBanner::applyColours() {
    // Tinted towards red or blue from the current palette, so light and dark themes both read.
    const QColor base = palette().color(QPalette::Window);
    const QColor tint = kind_ == Kind::Error ? QColor(220, 50, 50) : QColor(50, 120, 220);
    const bool dark = base.lightness() < 128;
    QColor bg = QColor::fromRgbF(base.redF() * 0.8 + tint.redF() * 0.2, base.greenF() * 0.8 + tint.greenF() * 0.2,
                                 base.blueF() * 0.8 + tint.blueF() * 0.2);
    setStyleSheet(QString("#messageBanner { background: %1; border: 1px solid %2; border-radius: 4px; }")
                      .arg(bg.name(), (dark ? tint.lighter(120) : tint).name()));
}

void MessageBanner::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange && isVisible()) applyColours();
    QFrame::changeEvent(event);
}

}  // namespace dragdiff::ui
