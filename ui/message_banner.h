#pragma once
// A non-modal message strip above the canvas (errors and notices) with up to two action buttons.
// The user can keep working while it is shown; nothing waits for it.
#include <QWidget>
#include <functional>

class QLabel;
class QPushButton;

namespace dragdiff::ui {

class MessageBanner : public QWidget {
    Q_OBJECT
public:
    enum class Kind { Info, Error };
    explicit MessageBanner(QWidget* parent = nullptr);

    void showMessage(Kind kind, const QString& text, const QString& actionText = QString(),
                     std::function<void()> action = nullptr);
    QString text() const;
    Kind kind() const { return kind_; }
    QPushButton* actionButton() const { return action_; }

private:
    void paintEvent(QPaintEvent* event) override;

    QLabel* icon_ = nullptr;
    QLabel* label_ = nullptr;
    QPushButton* action_ = nullptr;
    QPushButton* close_ = nullptr;
    std::function<void()> callback_;
    Kind kind_ = Kind::Info;
};

}  // namespace dragdiff::ui
