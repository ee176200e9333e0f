// Writing a small file so that a reader sees either the old file or the whole
// new one: a temporary beside it, flushed to disk, then renamed over it. Both
// fronts write kickvmm's --stats JSON with it.
#pragma once
#include <string>

namespace kick {

// On failure returns false and sets *error to one line naming the file.
bool write_file_atomic(const std::string& path, const std::string& text, std::string* error);

}  // namespace kick
