// Escaping and number formatting shared by the SVG and HTML writers. The
// report is well-formed XML (XHTML-compatible) so that tests can parse it.
#pragma once

#include <string>
#include <string_view>

namespace b2m::report {

// Escapes & < > " ' for text and attribute values.
std::string xml_escape(std::string_view text);
// A number for SVG coordinates: fixed, at most `decimals` places, no trailing
// zeros, finite (non-finite values become 0).
std::string num(double value, int decimals = 2);

}  // namespace b2m::report
