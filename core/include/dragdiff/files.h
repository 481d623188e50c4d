#pragma once
// Writing output files safely: checks before a long run, and several files written all or nothing.
// Part of the torch-free facade (the GUI and the command-line tools use it).
#include "dragdiff/error.h"

#include <string>
#include <vector>

namespace dragdiff {

// Before a long run: throws WriteError when `path` cannot be written (its folder is missing or is
// not a folder, or takes no new file for want of permission, on a read-only or a full disk; `path`
// is a folder or a device), saying what is wrong and what to do. Probes with a temporary file in
// the folder that it removes again; never creates, truncates or touches `path` itself.
void checkWritable(const std::string& path);
// checkWritable, after checking that the extension is one saveImage writes (.png, .jpg/.jpeg,
// .webp; InvalidRequest otherwise).
void checkImageWritable(const std::string& path);

// Several files written all or nothing (a project with its pictures). While a batch is open on a
// thread, every atomic write of that thread (saveImage, saveMask, writeTextFileAtomically,
// writeEditSpec) goes to a temporary beside its target and is flushed, but not renamed; commit()
// renames them all into place. A write that fails, or a batch that ends without commit(), removes
// the temporaries: every target keeps its previous contents. An inner batch joins the outer one.
class WriteBatch {
public:
    WriteBatch();
    ~WriteBatch();
    WriteBatch(const WriteBatch&) = delete;
    WriteBatch& operator=(const WriteBatch&) = delete;
    // Renames the staged files in the order they were written. Renaming within a folder needs no
    // space, so this fails only if something else changed the folder meanwhile: WriteError then,
    // and the files before the one that failed are already in place.
    void commit();

    struct Staged {
        std::string temporary;
        std::string target;
    };
    static WriteBatch* current();  // this thread's innermost open batch, or nullptr
    void stage(Staged file) { staged_.push_back(std::move(file)); }

private:
    WriteBatch* outer_;
    std::vector<Staged> staged_;
    bool committed_ = false;
};

}  // namespace dragdiff
