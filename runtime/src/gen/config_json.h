// Reading typed values from a model's config.json with errors that say which
// file and key are wrong.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "b2m/runtime/error.h"

namespace b2m::gen::detail {

inline const nlohmann::json& require(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) fail("{}: missing config key '{}'", where, key);
  return j[key];
}

inline std::size_t get_size(const nlohmann::json& j, const char* key, const std::string& where) {
  const auto& v = require(j, key, where);
  // JSON parsed from text stores 5 as unsigned, JSON built in code as signed: accept both.
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    fail("{}: config key '{}' must be a non-negative integer", where, key);
  return v.get<std::size_t>();
}

inline std::size_t get_size_or(const nlohmann::json& j, const char* key, std::size_t fallback,
                               const std::string& where) {
  return j.contains(key) ? get_size(j, key, where) : fallback;
}

inline bool get_bool_or(const nlohmann::json& j, const char* key, bool fallback, const std::string& where) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_boolean()) fail("{}: config key '{}' must be true or false", where, key);
  return j[key].get<bool>();
}

inline double get_number_or(const nlohmann::json& j, const char* key, double fallback,
                            const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) fail("{}: config key '{}' must be a number", where, key);
  return j[key].get<double>();
}

inline std::string get_string_or(const nlohmann::json& j, const char* key, const std::string& fallback,
                                 const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_string()) fail("{}: config key '{}' must be a string", where, key);
  return j[key].get<std::string>();
}

}  // namespace b2m::gen::detail
