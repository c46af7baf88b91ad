// Base64 (RFC 4648, standard alphabet, '=' padding) for data: URIs in the
// self-contained HTML report.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace b2m::report {

std::string base64_encode(std::span<const std::byte> bytes);
std::string base64_encode(std::string_view bytes);

// "data:<mime>;base64,<payload>"
std::string data_uri(std::string_view mime, std::span<const std::byte> bytes);

}  // namespace b2m::report
