// The text header of a .npy file: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Parsed with a small tokenizer (not an evaluator): only string, bool and
// integer-tuple values are accepted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace b2m::io::detail {

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

// `where` names the file in error messages.
NpyHeader parse_npy_header(std::string_view text, const std::string& where);

// The dict text, padded with spaces and ended with '\n' so that the data
// starts at a multiple of 64 bytes given `prefix_size` bytes before it.
std::string format_npy_header(const NpyHeader& header, std::size_t prefix_size);

}  // namespace b2m::io::detail
